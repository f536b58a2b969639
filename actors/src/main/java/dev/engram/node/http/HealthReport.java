package dev.engram.node.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.engram.node.cluster.ClusterStatus;
import dev.engram.node.ingest.FeedbackConsumer;
import dev.engram.node.ingest.PartitionStall;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The body of {@code GET /health}.
 *
 * <ul>
 *   <li>{@code UP} (HTTP 200): the feedback consumer runs and every assigned partition moves.</li>
 *   <li>{@code DEGRADED} (HTTP 200): the consumer runs, recall is served, but some partitions are
 *       not making progress: their records keep failing (a poison record being isolated, a
 *       failing store or dead-letter topic). {@code stalledPartitions} names them, since when,
 *       and why. 200 rather than 503 because the node still serves recall and a restart would
 *       not heal it (the partition resumes at the same record): a load balancer should keep it,
 *       an operator should look. It turns back to {@code UP} once the partition moves. Also
 *       {@code DEGRADED} while an adapter version failed while serving and its tenant runs on the
 *       version recall fell back to ({@code failedAdapters}), until a newer version serves.</li>
 *   <li>{@code DOWN} (HTTP 503): the consumer is restarting after a failure, or stopped.</li>
 * </ul>
 *
 * <pre>{@code
 * {"status": "DEGRADED", "consumer": "RUNNING", "assignedPartitions": ["engram.feedback-0", ...],
 *  "stalledPartitions": [{"partition": "engram.feedback-2", "since": "2025-01-31T12:00:00Z",
 *     "failedDeliveries": 3, "isolating": false, "lastError": "store: java.io.IOException: ..."}], ...}
 * }</pre>
 *
 * @param status {@code "UP"}, {@code "DEGRADED"} or {@code "DOWN"}
 * @param consumer the feedback consumer's state ({@code RUNNING}, {@code RESTARTING}, ...)
 * @param assignedPartitions the feedback partitions this node consumes now
 * @param stalledPartitions the assigned partitions that are not making progress (empty when UP)
 * @param recallMode {@code "bm25"} or {@code "hybrid"}
 * @param servingVersions tenant → the version its recall runs with now (adapter and ranker policy,
 *     e.g. {@code "acme-retriever/v3"}), for every tenant served by a tuned version; tenants not
 *     listed recall with the base encoder and untuned fusion
 * @param bootstrapServers the Kafka cluster the node talks to
 * @param consumerError why the consumer is restarting, when it is; else absent
 * @param failedAdapters adapter versions that failed while serving and were fallen back from, each
 *     {@code "<name>/v<version>: <why>"}; absent when none
 * @param cluster in a cluster of nodes: its members, the partitions this node owns, and which node
 *     owns each partition (recalls for its tenants go there); absent for a node on its own
 * @param refusedControls control records on {@code engram.adapters} (pin, unpin, rollback) the node
 *     skipped since it started: unsigned, signed by a node key it does not trust, altered, replayed or
 *     unreadable. They changed nothing; a count that grows means someone writes controls no trusted
 *     node signed, or a node's key is missing from {@code --trusted-nodes}
 * @param lastRefusedControl why the last one was skipped, {@code "<adapter>: <why>"}; absent when none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthReport(
        String status,
        String consumer,
        List<String> assignedPartitions,
        List<StalledPartition> stalledPartitions,
        String recallMode,
        Map<String, String> servingVersions,
        String bootstrapServers,
        String consumerError,
        List<String> failedAdapters,
        ClusterStatus cluster,
        long refusedControls,
        String lastRefusedControl) {

    public static final String UP = "UP";
    public static final String DEGRADED = "DEGRADED";
    public static final String DOWN = "DOWN";

    /**
     * A partition that is not making progress, as {@code /health} shows it.
     *
     * @param partition e.g. {@code engram.feedback-2}
     * @param since when its first failing delivery failed (ISO-8601)
     * @param failedDeliveries deliveries of its records that failed since
     * @param isolating whether its records are written one by one to dead-letter the one that fails
     * @param lastError why the last delivery failed, starting with the stage
     */
    public record StalledPartition(
            String partition, String since, int failedDeliveries, boolean isolating, String lastError) {
        static StalledPartition of(PartitionStall stall) {
            return new StalledPartition(
                    stall.partition().toString(),
                    stall.since().toString(),
                    stall.failedDeliveries(),
                    stall.isolating(),
                    stall.lastError());
        }
    }

    public HealthReport {
        Objects.requireNonNull(status, "healthReport.status is required");
        stalledPartitions = stalledPartitions == null ? List.of() : List.copyOf(stalledPartitions);
        servingVersions = servingVersions == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(servingVersions));
        failedAdapters = failedAdapters == null || failedAdapters.isEmpty() ? null : List.copyOf(failedAdapters);
    }

    /** The node's health from its consumer's state and stalled partitions. */
    public static HealthReport of(
            FeedbackConsumer consumer,
            String recallMode,
            Map<String, String> servingVersions,
            String bootstrapServers) {
        return of(consumer, recallMode, servingVersions, bootstrapServers, List.of());
    }

    /** The node's health from its consumer's state, stalled partitions and adapters that failed while serving. */
    public static HealthReport of(
            FeedbackConsumer consumer,
            String recallMode,
            Map<String, String> servingVersions,
            String bootstrapServers,
            List<String> failedAdapters) {
        FeedbackConsumer.State state = consumer.state();
        boolean running = state == FeedbackConsumer.State.RUNNING || state == FeedbackConsumer.State.STARTING;
        List<StalledPartition> stalled =
                consumer.stalledPartitions().stream().map(StalledPartition::of).toList();
        String status = !running ? DOWN : stalled.isEmpty() && failedAdapters.isEmpty() ? UP : DEGRADED;
        Throwable failure = consumer.failure();
        return new HealthReport(
                status,
                state.name(),
                consumer.assignment().stream().map(Object::toString).sorted().toList(),
                stalled,
                recallMode,
                servingVersions,
                bootstrapServers,
                running || failure == null ? null : failure.toString(),
                failedAdapters,
                null,
                0,
                null);
    }

    /** This report with the cluster as this node sees it ({@code null}: a node on its own). */
    public HealthReport withCluster(ClusterStatus cluster) {
        return new HealthReport(
                status,
                consumer,
                assignedPartitions,
                stalledPartitions,
                recallMode,
                servingVersions,
                bootstrapServers,
                consumerError,
                failedAdapters,
                cluster,
                refusedControls,
                lastRefusedControl);
    }

    /** This report with the control records the adapter registry skipped, and why the last one was. */
    public HealthReport withRefusedControls(long refused, String last) {
        return new HealthReport(
                status,
                consumer,
                assignedPartitions,
                stalledPartitions,
                recallMode,
                servingVersions,
                bootstrapServers,
                consumerError,
                failedAdapters,
                cluster,
                refused,
                last);
    }

    public boolean up() {
        return UP.equals(status);
    }

    /** Whether the node serves (UP or DEGRADED: HTTP 200); only DOWN is a 503. */
    public boolean serving() {
        return !DOWN.equals(status);
    }
}
