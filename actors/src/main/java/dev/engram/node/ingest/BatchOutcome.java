package dev.engram.node.ingest;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * What became of a batch that is now durable: the index commit covers it, so the Kafka offsets in
 * {@code nextOffsets} may be committed.
 *
 * @param nextOffsets per partition, the next offset to read (what the index commit records)
 * @param records records in the batch
 * @param ingested new cases written (a record seen before counts as a duplicate)
 * @param duplicates valid records whose event id the store already held
 * @param invalid records that failed decoding or validation
 * @param deadLettered dead letters produced for this batch
 * @param writeAttempts store-write attempts the batch needed (1 when nothing failed)
 * @param took wall time from receipt to durable commit
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
