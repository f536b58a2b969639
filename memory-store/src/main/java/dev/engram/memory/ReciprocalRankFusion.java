package dev.engram.memory;

import dev.engram.memory.internal.FixedPoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The untuned {@link Ranker}: reciprocal-rank fusion (Cormack et al. 2009). Each search contributes
 * {@code 1 / (k + rank)} (rank 1-based) for each case it returned; a single list (BM25-only or
 * dense-only recall) fused is its own order. Ties are broken by the better single rank, then by case
 * id, so the order is deterministic. Its contribution to a reason reads {@code rrf 0.0323}.
 *
 * <pre>{@code
 * RecallResult r = store.recall(RecallQuery.hybrid("acme", task, vector, 10), new ReciprocalRankFusion(60));
 * }</pre>
 */
public final class ReciprocalRankFusion implements Ranker {
    /** The k of the original paper, and the store's default. */
    public static final int DEFAULT_K = 60;

    private static final Comparator<RankedCandidate> ORDER = Comparator.comparingDouble(RankedCandidate::score)
            .reversed()
            .thenComparingInt((RankedCandidate r) -> r.candidate().bestRank())
            .thenComparing(r -> r.candidate().caseId());

    private final int k;

    /** Fusion with {@link #DEFAULT_K}. */
    public ReciprocalRankFusion() {
        this(DEFAULT_K);
    }

    /** @param k the constant added to each rank, >= 1; larger values flatten the head of each list */
    public ReciprocalRankFusion(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("reciprocalRankFusion.k must be >= 1, was " + k);
        }
        this.k = k;
    }

    /** The constant added to each rank. */
    public int k() {
        return k;
    }

    @Override
    public String name() {
        return "rrf";
    }

    @Override
    public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
        List<RankedCandidate> out = new ArrayList<>(candidates.candidates().size());
        for (Candidate c : candidates.candidates()) {
            double score = score(c);
            out.add(new RankedCandidate(
                    c,
                    score,
                    FixedPoint.append(new StringBuilder("rrf "), score, 4).toString()));
        }
        out.sort(ORDER);
        return out;
    }

    /** The fused score of one candidate (BM25's part first, then the vector's, so the sum rounds as it always has). */
    public double score(Candidate c) {
        double score = c.bm25Rank() > 0 ? 1.0 / (k + c.bm25Rank()) : 0;
        if (c.vectorRank() > 0) {
            double add = 1.0 / (k + c.vectorRank());
            score = c.bm25Rank() > 0 ? score + add : add;
        }
        return score;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReciprocalRankFusion r && r.k == k;
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(k);
    }

    @Override
    public String toString() {
        return "ReciprocalRankFusion[k=" + k + "]";
    }
}
