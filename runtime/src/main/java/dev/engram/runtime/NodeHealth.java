package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A node's health ({@code GET /health}), as {@link EngramClient#health()} returns it.
 *
 * <pre>{@code
 * NodeHealth health = engram.health();
 * if (!health.up()) {
 *   health.stalledPartitions().forEach(p -> log.warn("{} stalled since {}: {}", p.partition(), p.since(), p.lastError()));
 * }
 * String acme = health.servingVersions().getOrDefault("acme", "base");
 * }</pre>
 *
 * <p>The route is open: to a client without an API key the node tells only {@link #status()}, and
 * every other field is empty or null.
 *
 * @param status {@link #UP}, {@link #DEGRADED} (recall is served, but some partitions do not move,
 *     or an adapter version failed while serving) or {@link #DOWN} (the node's feedback consumer is restarting or stopped)
 * @param consumer the feedback consumer's state ({@code RUNNING}, {@code RESTARTING}, ...)
 * @param assignedPartitions the feedback partitions the node consumes now, e.g. {@code engram.feedback-0}
 * @param stalledPartitions the assigned partitions that are not making progress (empty when UP)
 * @param recallMode the node's default recall mode, {@code "hybrid"} or {@code "bm25"}
 * @param servingVersions tenant → the version its recalls run with (e.g. {@code "acme-retriever/v3"}),
 *     for every tenant served by a tuned version; tenants not listed recall with the base encoder
 * @param bootstrapServers the Kafka cluster the node talks to
 * @param consumerError why the consumer is restarting, when it is; else null
 * @param failedAdapters adapter versions that failed while serving, each {@code "<name>/v<version>: <why>"}:
 *     their tenants recall with the version the node fell back to (and the node is DEGRADED) until a
 *     newer version serves; empty when none
 * @param cluster when the node is one of a cluster of nodes: the members, the partitions this node
 *     owns and which node owns each partition (a recall for a tenant is answered by the owner of its
 *     partition, whichever node it was sent to); null for a node on its own
 * @param refusedControls control records (pin, unpin, rollback) on {@code engram.adapters} the node
 *     skipped since it started: unsigned, signed by a node key it does not trust, altered, replayed
 *     or unreadable; they changed nothing (0 for a caller without a key)
 * @param lastRefusedControl why the last one was skipped, {@code "<adapter>: <why>"}; null when none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NodeHealth(
        String status,
        String consumer,
        List<String> assignedPartitions,
        List<StalledPartition> stalledPartitions,
        String recallMode,
        Map<String, String> servingVersions,
        String bootstrapServers,
        String consumerError,
        List<String> failedAdapters,
        Cluster cluster,
        Long refusedControls,
        String lastRefusedControl) {

    /** Every assigned partition moves. */
    public static final String UP = "UP";
    /** Recall is served, but some partitions are stalled or an adapter failed while serving: an operator should look. */
    public static final String DEGRADED = "DEGRADED";
    /** The feedback consumer is restarting or stopped (the node answered 503). */
    public static final String DOWN = "DOWN";

    /**
     * A partition that is not making progress.
     *
     * @param partition e.g. {@code engram.feedback-2}
     * @param since when its first failing delivery failed
     * @param failedDeliveries deliveries of its records that failed since
     * @param isolating whether its records are being written one by one to dead-letter the one that fails
     * @param lastError why the last delivery failed, starting with the stage
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StalledPartition(
            String partition, Instant since, int failedDeliveries, boolean isolating, String lastError) {}

    /**
     * A cluster of nodes as one node sees it.
     *
     * @param self the node's cluster address, e.g. {@code pekko://engram@127.0.0.1:25520}
     * @param members every member with its status, e.g. {@code "pekko://engram@127.0.0.1:25521 Up"}
     * @param ownedPartitions the partitions of {@code engram.feedback} this node owns
     * @param partitionOwners partition number → the cluster address of its owner
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Cluster(
            String self, List<String> members, List<Integer> ownedPartitions, Map<String, String> partitionOwners) {
        public Cluster {
            members = members == null ? List.of() : List.copyOf(members);
            ownedPartitions = ownedPartitions == null ? List.of() : List.copyOf(ownedPartitions);
            partitionOwners =
                    partitionOwners == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(partitionOwners));
        }
    }

    public NodeHealth {
        assignedPartitions = assignedPartitions == null ? List.of() : List.copyOf(assignedPartitions);
        stalledPartitions = stalledPartitions == null ? List.of() : List.copyOf(stalledPartitions);
        servingVersions =
                servingVersions == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(servingVersions));
        failedAdapters = failedAdapters == null ? List.of() : List.copyOf(failedAdapters);
        refusedControls = refusedControls == null ? 0L : refusedControls; // absent for a caller without a key
    }

    /** Whether every assigned partition moves. */
    public boolean up() {
        return UP.equals(status);
    }

    /** Whether the node serves recall (UP or DEGRADED). */
    public boolean serving() {
        return UP.equals(status) || DEGRADED.equals(status);
    }
}
