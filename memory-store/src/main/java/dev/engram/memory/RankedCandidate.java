package dev.engram.memory;

import java.util.Objects;

/**
 * A candidate with the score a {@link Ranker} gave it and what the ranker's parts contributed,
 * e.g. {@code "rrf 0.0323"} or {@code "fusion 0.71 (bm25 0.40×0.62 + cos 0.60×0.77) + reuse +0.20 (2 similar tasks)"}.
 *
 * @param candidate the first-stage candidate
 * @param score the final score (higher is better)
 * @param contribution what each part of the ranker contributed, for the case's {@code reason}
 */
public record RankedCandidate(Candidate candidate, double score, String contribution) {
    public RankedCandidate {
        Objects.requireNonNull(candidate, "rankedCandidate.candidate is required");
        if (!Double.isFinite(score)) {
            throw new IllegalArgumentException("rankedCandidate.score must be finite, was " + score);
        }
        Objects.requireNonNull(contribution, "rankedCandidate.contribution is required");
    }
}
