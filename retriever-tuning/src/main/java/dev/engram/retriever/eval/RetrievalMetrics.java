package dev.engram.retriever.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ranking metrics for one query: a ranking (document ids, best first) against the query's judged
 * gains (see {@link Qrels#judged(String)}). Averaged over queries (see {@link EvaluationReport})
 * they are the usual nDCG@k, recall@k and MRR@k.
 *
 * <p>Conventions, as in BEIR and {@code trec_eval}:
 * <ul>
 *   <li>A document is relevant when its gain is above zero; unjudged documents have gain 0.</li>
 *   <li>nDCG@k uses linear gains and the log2 discount: DCG@k = Σ<sub>i=1..k</sub>
 *       gain(d<sub>i</sub>) / log2(i + 1); the ideal DCG ranks the judged gains from high to low.</li>
 *   <li>recall@k = |relevant ∩ top k| / |relevant| (not capped at k).</li>
 *   <li>reciprocal rank@k = 1 / rank of the first relevant document within the top k, else 0.</li>
 *   <li>A document id that repeats in a ranking counts once, at its first rank; the repeat still
 *       takes up its rank.</li>
 *   <li>With no relevant document every metric is 0: such a query cannot be scored, and
 *       {@link EvaluationReport#evaluate} leaves it out.</li>
 * </ul>
 *
 * <pre>{@code
 * Map<String, Integer> gains = Map.of("d1", 3, "d2", 1);
 * RetrievalMetrics.ndcgAtK(List.of("d9", "d1", "d2"), gains, 10);  // (3/log2 3 + 1/2) / (3 + 1/log2 3) ≈ 0.6590
 * RetrievalMetrics.recallAtK(List.of("d9", "d1"), gains, 10);      // 0.5
 * RetrievalMetrics.reciprocalRankAtK(List.of("d9", "d1"), gains, 10); // 0.5
 * }</pre>
 */
public final class RetrievalMetrics {

    private RetrievalMetrics() {}

    /** Normalised discounted cumulative gain of the top {@code k}, in [0, 1]. */
    public static double ndcgAtK(List<String> ranking, Map<String, Integer> gains, int k) {
        check(ranking, gains, k);
        double dcg = 0;
        List<String> top = distinctTop(ranking, k);
        for (int i = 0; i < top.size(); i++) {
            String doc = top.get(i);
            if (doc != null) {
                dcg += gains.getOrDefault(doc, 0) / log2(i + 2);
            }
        }
        List<Integer> ideal = gains.values().stream()
                .filter(g -> g > 0)
                .sorted((a, b) -> Integer.compare(b, a))
                .limit(k)
                .toList();
        double idcg = 0;
        for (int i = 0; i < ideal.size(); i++) {
            idcg += ideal.get(i) / log2(i + 2);
        }
        return idcg == 0 ? 0.0 : dcg / idcg;
    }

    /** The fraction of the relevant documents that are in the top {@code k}, in [0, 1]. */
    public static double recallAtK(List<String> ranking, Map<String, Integer> gains, int k) {
        check(ranking, gains, k);
        long relevant = gains.values().stream().filter(g -> g > 0).count();
        if (relevant == 0) {
            return 0.0;
        }
        int found = 0;
        for (String doc : distinctTop(ranking, k)) {
            if (doc != null && gains.getOrDefault(doc, 0) > 0) {
                found++;
            }
        }
        return (double) found / relevant;
    }

    /** 1 / the rank of the first relevant document within the top {@code k}, or 0 when none is there. */
    public static double reciprocalRankAtK(List<String> ranking, Map<String, Integer> gains, int k) {
        check(ranking, gains, k);
        List<String> top = distinctTop(ranking, k);
        for (int i = 0; i < top.size(); i++) {
            String doc = top.get(i);
            if (doc != null && gains.getOrDefault(doc, 0) > 0) {
                return 1.0 / (i + 1);
            }
        }
        return 0.0;
    }

    /** The first {@code k} ranks, with a repeated id replaced by {@code null} (it takes its rank, earns nothing). */
    private static List<String> distinctTop(List<String> ranking, int k) {
        int n = Math.min(k, ranking.size());
        List<String> top = new ArrayList<>(n);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            String doc = ranking.get(i);
            top.add(doc != null && seen.add(doc) ? doc : null);
        }
        return top;
    }

    private static double log2(int x) {
        return Math.log(x) / Math.log(2);
    }

    private static void check(List<String> ranking, Map<String, Integer> gains, int k) {
        if (ranking == null) {
            throw new IllegalArgumentException("ranking is required (may be empty)");
        }
        if (gains == null) {
            throw new IllegalArgumentException("gains is required (may be empty)");
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
    }
}
