package dev.engram.node.recall;

import dev.engram.memory.RecallResult;
import java.time.Duration;
import java.util.Objects;

/**
 * A recall and how it was made.
 *
 * @param result the ranked cases, split into positives and negatives
 * @param mode {@code "hybrid"} (BM25 + vectors) or {@code "bm25"}
 * @param adapterVersion the retriever adapter that embedded the query; {@code "base"} without one
 * @param took wall time, embedding included
 * @param fallbackFrom the serving version that failed to embed the task, when recall fell back from it
 *     to {@code adapterVersion}; else null
 */
public record RecallAnswer(
        RecallResult result, String mode, String adapterVersion, Duration took, String fallbackFrom) {
    public RecallAnswer {
        Objects.requireNonNull(result, "recallAnswer.result is required");
        Objects.requireNonNull(mode, "recallAnswer.mode is required");
        Objects.requireNonNull(adapterVersion, "recallAnswer.adapterVersion is required");
        Objects.requireNonNull(took, "recallAnswer.took is required");
    }

    public RecallAnswer(RecallResult result, String mode, String adapterVersion, Duration took) {
        this(result, mode, adapterVersion, took, null);
    }
}
