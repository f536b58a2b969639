package dev.engram.memory.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.search.ScoreDoc;

/**
 * Reciprocal-rank fusion (Cormack et al. 2009): each retriever contributes {@code 1 / (k + rank)}
 * (rank 1-based) for each document it returned. Ties are broken by the better single rank, then by
 * doc id, so the order is deterministic.
 */
public final class ReciprocalRankFusion {
    private ReciprocalRankFusion() {}

    /**
     * One fused document, with what each retriever said about it.
     *
     * @param bm25Rank 1-based, 0 when BM25 did not return it
     * @param vectorRank 1-based, 0 when the vector search did not return it
     */
    public record Fused(int doc, double score, int bm25Rank, float bm25Score, int vectorRank, float vectorScore) {
        int bestRank() {
            int a = bm25Rank == 0 ? Integer.MAX_VALUE : bm25Rank;
            int b = vectorRank == 0 ? Integer.MAX_VALUE : vectorRank;
            return Math.min(a, b);
        }
    }

    /** Fuses two ranked lists (either may be empty) over the same reader's doc ids; returns all, best first. */
    public static List<Fused> fuse(ScoreDoc[] bm25, ScoreDoc[] vector, int k) {
        Map<Integer, Fused> byDoc = new LinkedHashMap<>();
        for (int i = 0; i < bm25.length; i++) {
            ScoreDoc sd = bm25[i];
            byDoc.put(sd.doc, new Fused(sd.doc, 1.0 / (k + i + 1), i + 1, sd.score, 0, 0f));
        }
        for (int i = 0; i < vector.length; i++) {
            ScoreDoc sd = vector[i];
            double add = 1.0 / (k + i + 1);
            Fused prev = byDoc.get(sd.doc);
            byDoc.put(sd.doc, prev == null
                    ? new Fused(sd.doc, add, 0, 0f, i + 1, sd.score)
                    : new Fused(sd.doc, prev.score() + add, prev.bm25Rank(), prev.bm25Score(), i + 1, sd.score));
        }
        List<Fused> out = new ArrayList<>(byDoc.values());
        out.sort(Comparator.comparingDouble(Fused::score).reversed()
                .thenComparingInt(Fused::bestRank)
                .thenComparingInt(Fused::doc));
        return out;
    }
}
