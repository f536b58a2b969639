package dev.engram.node.ingest;

import java.util.Objects;

/** The ingest actor's answer to a batch: durable ({@link Done}) or not ({@link Failed}). */
public interface BatchResult {

    /** The batch is durable in the index; its offsets may be committed. */
    record Done(BatchOutcome outcome) implements BatchResult {
        public Done {
            Objects.requireNonNull(outcome, "done.outcome is required");
        }
    }

    /**
     * The batch is not durable (its retries were exhausted): do not commit, redeliver it.
     *
     * @param reason what failed, for logs
     * @param cause the last failure
     */
    record Failed(String reason, Throwable cause) implements BatchResult {
        public Failed {
            Objects.requireNonNull(reason, "failed.reason is required");
        }
    }
}
