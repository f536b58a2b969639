package dev.engram.node.ingest;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * The ingest actor's answer to a batch. Each partition of a batch succeeds or fails on its own:
 * every partition durable ({@link Done}), some ({@link Partial}) or none ({@link Failed}).
 */
public interface BatchResult {

    /** The batch is durable in the index, every partition of it; its offsets may be committed. */
    record Done(BatchOutcome outcome) implements BatchResult {
        public Done {
            Objects.requireNonNull(outcome, "done.outcome is required");
        }
    }

    /**
     * Some partitions of the batch are durable ({@code outcome}, whose offsets may be committed),
     * the others failed and must be redelivered from their first offset in the batch.
     *
     * @param outcome what became of the durable partitions' records
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
     * Nothing of the batch is durable (its retries were exhausted): do not commit, redeliver it.
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
