package dev.engram.node.ingest;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * The ingest actor's answer to a batch. Each partition of a batch succeeds or fails on its own:
 * every partition written ({@link Done}), some ({@link Partial}) or none ({@link Failed}). Written
 * means searchable; durable once an index commit holds it ({@link IndexCommitPolicy}), and only
 * then may its offsets be committed to Kafka.
 */
public interface BatchResult {

    /** The batch is written into the index, every partition of it. */
    record Done(BatchOutcome outcome) implements BatchResult {
        public Done {
            Objects.requireNonNull(outcome, "done.outcome is required");
        }
    }

    /**
     * Some partitions of the batch are written ({@code outcome}), the others failed and must be
     * redelivered from their first offset in the batch.
     *
     * @param outcome what became of the written partitions' records
     * @param failed per failed partition, why
     */
    record Partial(BatchOutcome outcome, Map<TopicPartition, Failed> failed) implements BatchResult {
        public Partial {
            Objects.requireNonNull(outcome, "partial.outcome is required");
            failed = Map.copyOf(Objects.requireNonNull(failed, "partial.failed is required"));
            if (failed.isEmpty()) {
                throw new IllegalArgumentException("partial.failed must name a partition (else it is Done)");
            }
        }
    }

    /**
     * Nothing of the batch is written (its retries were exhausted): redeliver it.
     *
     * @param reason what failed, naming the stage (e.g. {@code "store: ..."}), for logs and health
     * @param cause the last failure
     */
    record Failed(String reason, Throwable cause) implements BatchResult {
        public Failed {
            Objects.requireNonNull(reason, "failed.reason is required");
        }
    }
}
