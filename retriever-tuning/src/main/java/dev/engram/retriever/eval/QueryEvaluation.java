package dev.engram.retriever.eval;

import java.util.List;
import java.util.Map;

/**
 * The metrics of one query's ranking: the four figures of Engram's evaluation table.
 *
 * <pre>{@code
 * QueryEvaluation e = QueryEvaluation.of("1", rankedDocIds, dataset.qrels().judged("1"));
 * e.ndcgAt10();
 * }</pre>
 *
 * @param queryId the query
 * @param ndcgAt10 nDCG@10 in [0, 1]
 * @param recallAt10 recall@10 in [0, 1]
 * @param recallAt100 recall@100 in [0, 1]
 * @param mrrAt10 reciprocal rank@10 in [0, 1] (its mean over queries is MRR@10)
 */
public record QueryEvaluation(String queryId, double ndcgAt10, double recallAt10, double recallAt100, double mrrAt10) {

    public QueryEvaluation {
        if (queryId == null || queryId.isBlank()) {
            throw new IllegalArgumentException("queryEvaluation.queryId is required and must not be blank");
        }
        checkUnit("ndcgAt10", ndcgAt10);
        checkUnit("recallAt10", recallAt10);
        checkUnit("recallAt100", recallAt100);
        checkUnit("mrrAt10", mrrAt10);
    }

    /** Scores a ranking (document ids, best first) against the query's judged gains. */
    public static QueryEvaluation of(String queryId, List<String> ranking, Map<String, Integer> gains) {
        return new QueryEvaluation(
                queryId,
                RetrievalMetrics.ndcgAtK(ranking, gains, 10),
                RetrievalMetrics.recallAtK(ranking, gains, 10),
                RetrievalMetrics.recallAtK(ranking, gains, 100),
                RetrievalMetrics.reciprocalRankAtK(ranking, gains, 10));
    }

    private static void checkUnit(String field, double value) {
        if (!(value >= 0.0 && value <= 1.0 + 1e-9)) {
            throw new IllegalArgumentException("queryEvaluation." + field + " must be in [0, 1], was " + value);
        }
    }
}
