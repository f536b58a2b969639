package dev.engram.memory;

import java.util.Objects;

/**
 * A recalled case with its ranker's score and a human-readable reason, e.g.
 * {@code "bm25 #2 (11.30) + vector #5 (cos 0.71) -> rrf 0.0318; reward 0.90, useful 3/4 -> positive"}.
 *
 * @param match the case
 * @param score the ranker's score (higher is better; reciprocal-rank fusion by default)
 * @param reason why it was chosen and why it is positive or negative
 */
public record ScoredCase(Case match, double score, String reason) {
    public ScoredCase {
        Objects.requireNonNull(match, "scoredCase.match is required");
        if (!Double.isFinite(score)) {
            throw new IllegalArgumentException("scoredCase.score must be finite, was " + score);
        }
        Objects.requireNonNull(reason, "scoredCase.reason is required");
    }
}
