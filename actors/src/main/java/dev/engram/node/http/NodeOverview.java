package dev.engram.node.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.engram.node.auth.Principal;
import dev.engram.node.internal.NodeMetrics;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@code GET /v1/events} pushes every few seconds (the console's overview): the node's
 * {@link HealthReport} and the few figures an operator watches first.
 *
 * <pre>{@code
 * {"time": "2026-02-01T10:00:02Z", "health": {"status": "UP", ...}, "consumerLag": 0,
 *  "partitionLag": {"engram.feedback-0": 0, ...}, "partitionLagPeak": {"engram.feedback-0": 120, ...}, "ingested": 1200, "invalid": 3, "deadLettered": 3,
 *  "recalls": 41, "recallP50Ms": 12.5, "recallP99Ms": 80.2}
 * }</pre>
 *
 * @param time when it was taken
 * @param health as {@code GET /health} answers a caller with a key; {@code servingVersions} lists
 *     only the caller's tenants
 * @param consumerLag records behind the end of the assigned feedback partitions
 * @param partitionLag the same per partition
 * @param partitionLagPeak per partition, the highest lag measured over the last
 *     {@link NodeMetrics#LAG_PEAK_WINDOW} (lag is measured after each poll and as each batch is fetched,
 *     so a burst written between two overviews shows here though the current lag never caught it)
 * @param ingested new cases written since the node started
 * @param invalid records that failed decoding or validation since the node started
 * @param deadLettered dead letters published since the node started
 * @param recalls recalls served over HTTP since the node started
 * @param recallP50Ms median recall latency over the last minutes; absent before the first recall
 * @param recallP99Ms 99th percentile, likewise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeOverview(
        Instant time,
        HealthReport health,
        long consumerLag,
        Map<String, Long> partitionLag,
        Map<String, Long> partitionLagPeak,
        long ingested,
        long invalid,
        long deadLettered,
        long recalls,
        Double recallP50Ms,
        Double recallP99Ms) {

    public NodeOverview {
        Objects.requireNonNull(time, "nodeOverview.time is required");
        Objects.requireNonNull(health, "nodeOverview.health is required");
        partitionLag =
                partitionLag == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(partitionLag));
        partitionLagPeak = partitionLagPeak == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new TreeMap<>(partitionLagPeak));
    }

    /** The overview as {@code viewer} may see it. */
    public static NodeOverview of(Instant time, HealthReport health, NodeMetrics metrics, Principal viewer) {
        Map<String, String> serving = new TreeMap<>();
        health.servingVersions().forEach((tenant, version) -> {
            if (viewer.mayAccess(tenant)) {
                serving.put(tenant, version);
            }
        });
        HealthReport visible = new HealthReport(
                health.status(),
                health.consumer(),
                health.assignedPartitions(),
                health.stalledPartitions(),
                health.recallMode(),
                serving,
                health.bootstrapServers(),
                health.consumerError(),
                null, // failed versions are named by adapter, not tenant: /health lists them
                health.cluster(),
                health.refusedControls(),
                null); // likewise the last refused control
        return new NodeOverview(
                time,
                visible,
                metrics.consumerLag(),
                metrics.partitionLag(),
                metrics.partitionLagPeak(),
                (long) metrics.ingestedTotal(),
                (long) metrics.invalidTotal(),
                (long) metrics.deadLetteredTotal(),
                metrics.recallCount(),
                finite(metrics.recallLatencyMillis(0.5)),
                finite(metrics.recallLatencyMillis(0.99)));
    }

    private static Double finite(double millis) {
        return Double.isFinite(millis) ? Math.round(millis * 10) / 10.0 : null;
    }
}
