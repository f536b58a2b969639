package dev.engram.node.training.internal;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.Embedder;
import dev.engram.retriever.eval.RetrievalMetrics;
import dev.engram.streams.HeldOutQuery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Mean nDCG@10 of an embedder over judged queries: each query's candidates ranked by cosine. */
public final class RankingEvaluation {

    private RankingEvaluation() {
    }

    /** The mean nDCG@10 over {@code queries}; NaN when there are none. */
    public static double meanNdcg10(Embedder embedder, List<HeldOutQuery> queries) {
        if (queries.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        try (NoGradScope ignored = NoGradScope.enter()) {
            for (HeldOutQuery q : queries) {
                sum += ndcg10(embedder, q);
            }
        }
        return sum / queries.size();
    }

    private static double ndcg10(Embedder embedder, HeldOutQuery q) {
        float[] query = embedder.embedQuery(q.query());
        List<float[]> docs = embedder.embedDocuments(q.candidates().stream().map(HeldOutQuery.Candidate::text).toList());
        List<Map.Entry<String, Double>> scored = new ArrayList<>();
        Map<String, Integer> gains = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            HeldOutQuery.Candidate c = q.candidates().get(i);
            scored.add(Map.entry(c.caseId(), cosine(query, docs.get(i))));
            int gain = (int) Math.round(c.gain());
            if (gain > 0) {
                gains.put(c.caseId(), gain);
            }
        }
        scored.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        return RetrievalMetrics.ndcgAtK(scored.stream().map(Map.Entry::getKey).toList(), gains, 10);
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
