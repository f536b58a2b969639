package dev.engram.node.ingest;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * What became of the partitions of a batch that are now written (searchable; durable once an index
 * commit holds them, and only then are the Kafka offsets in {@code nextOffsets} committed). A
 * partition that failed is in none of these figures.
 *
 * @param nextOffsets per written partition, the next offset to read (what the next index commit records)
 * @param records records of those partitions in the batch
 * @param ingested new cases written (a record seen before counts as a duplicate)
 * @param duplicates valid records whose event id the store already held
 * @param invalid records that failed decoding or validation, or that the store rejected or that
 *     failed it alone (isolated)
 * @param deadLettered dead letters produced for those partitions
 * @param writeAttempts store-write attempts the partition that needed most needed (1 when nothing
 *     failed)
 * @param took wall time from receipt to written (with the index commit when the batch ended with one)
 */
public record BatchOutcome(
        Map<TopicPartition, Long> nextOffsets,
        int records,
        int ingested,
        int duplicates,
        int invalid,
        int deadLettered,
        int writeAttempts,
        Duration took) {
    public BatchOutcome {
        nextOffsets = Map.copyOf(Objects.requireNonNull(nextOffsets, "batchOutcome.nextOffsets is required"));
        Objects.requireNonNull(took, "batchOutcome.took is required");
    }
}
