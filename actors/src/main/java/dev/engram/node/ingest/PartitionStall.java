package dev.engram.node.ingest;

import java.time.Instant;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * A partition that is not making progress: its last delivery failed and it has not moved since.
 * {@code GET /health} lists these and says DEGRADED while there are any.
 *
 * @param partition the feedback partition
 * @param since when the first of the failing deliveries failed
 * @param failedDeliveries deliveries of its records that failed since then
 * @param isolating whether its records are now written one by one, so that the one that fails is
 *     dead-lettered (its {@code engram.ingest.partition} retries are spent)
 * @param lastError why the last delivery failed, starting with the stage ({@code "store: ..."},
 *     {@code "dead letters: ..."}, {@code "index commit: ..."}, {@code "ingest: ..."})
 */
public record PartitionStall(
        TopicPartition partition, Instant since, int failedDeliveries, boolean isolating, String lastError) {
    public PartitionStall {
        Objects.requireNonNull(partition, "partitionStall.partition is required");
        Objects.requireNonNull(since, "partitionStall.since is required");
        Objects.requireNonNull(lastError, "partitionStall.lastError is required");
    }
}
