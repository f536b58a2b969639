package dev.engram.memory;

import java.util.Objects;

/**
 * One case that a first-stage search returned, with what each search said about it. A
 * {@link Ranker} composes the final order from these.
 *
 * @param match the case
 * @param bm25Rank 1-based rank in the BM25 list, 0 when BM25 did not return it
 * @param bm25Score the BM25 score (0 when not returned)
 * @param vectorRank 1-based rank in the vector list, 0 when the vector search did not return it
 * @param cosine the cosine similarity of the case vector to the query vector (0 when not returned)
 * @param vector the case's unit vector, or {@code null} when the case has none or it was not read
 */
public record Candidate(Case match, int bm25Rank, double bm25Score, int vectorRank, double cosine, float[] vector) {
    public Candidate {
        Objects.requireNonNull(match, "candidate.match is required");
        if (bm25Rank < 0 || vectorRank < 0) {
            throw new IllegalArgumentException("candidate ranks must be >= 0 (0 = not returned), were bm25 " + bm25Rank
                    + ", vector " + vectorRank);
        }
        if (bm25Rank == 0 && vectorRank == 0) {
            throw new IllegalArgumentException("candidate " + match.caseId() + " was returned by no search");
        }
        if (!Double.isFinite(bm25Score) || !Double.isFinite(cosine)) {
            throw new IllegalArgumentException(
                    "candidate scores must be finite, were bm25 " + bm25Score + ", cosine " + cosine);
        }
    }

    /** The case id. */
    public String caseId() {
        return match.caseId();
    }

    /** The better of the two ranks (1-based). */
    public int bestRank() {
        int a = bm25Rank == 0 ? Integer.MAX_VALUE : bm25Rank;
        int b = vectorRank == 0 ? Integer.MAX_VALUE : vectorRank;
        return Math.min(a, b);
    }
}
