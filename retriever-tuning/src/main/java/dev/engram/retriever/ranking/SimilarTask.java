package dev.engram.retriever.ranking;

import java.util.Objects;

/**
 * A past judged task found near a query, with its cosine to the query.
 *
 * @param task the past task
 * @param similarity the cosine of its vector to the query vector, in [−1, 1]
 */
public record SimilarTask(JudgedTask task, double similarity) {

    public SimilarTask {
        Objects.requireNonNull(task, "similarTask.task is required");
        if (!Double.isFinite(similarity)) {
            throw new IllegalArgumentException("similarTask.similarity must be finite, was " + similarity);
        }
    }
}
