package dev.engram.retriever.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * One system's results on a set of queries: the per-query metrics and their means, printable as a
 * row of Engram's evaluation table.
 *
 * <pre>{@code
 * EvaluationReport bm25 = EvaluationReport.evaluate("BM25", split.heldOut(), dataset.qrels(),
 *         query -> retriever.topDocIds(query.text(), 100));
 * System.out.println(EvaluationReport.header());
 * System.out.println(bm25.tableRow());
 * // system                        queries  nDCG@10   R@10  R@100  MRR@10
 * // BM25                               90   0.3650  0.4312 0.8100 0.5920
 * }</pre>
 *
 * @param system the system's name in the table, e.g. {@code "BM25"}; required
 * @param perQuery one entry per scored query; copied; may be empty (then every mean is 0)
 */
public record EvaluationReport(String system, List<QueryEvaluation> perQuery) {

    private static final String ROW = "%-28s %7s %8s %6s %6s %7s";

    public EvaluationReport {
        if (system == null || system.isBlank()) {
            throw new IllegalArgumentException("evaluationReport.system is required and must not be blank");
        }
        if (perQuery == null || perQuery.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("evaluationReport.perQuery is required and must not contain null");
        }
        perQuery = List.copyOf(perQuery);
    }

    /**
     * Runs a retriever over the queries and scores each ranking. Queries without a relevant
     * judgement cannot be scored and are skipped (see {@link Qrels#hasRelevant}).
     *
     * @param retriever a query → document ids, best first (at least 100 for recall@100 to mean what it says)
     */
    public static EvaluationReport evaluate(
            String system, List<Query> queries, Qrels qrels, Function<Query, List<String>> retriever) {
        if (queries == null || qrels == null || retriever == null) {
            throw new IllegalArgumentException("queries, qrels and retriever are required");
        }
        List<QueryEvaluation> results = new ArrayList<>();
        for (Query query : queries) {
            if (!qrels.hasRelevant(query.id())) {
                continue;
            }
            List<String> ranking = retriever.apply(query);
            if (ranking == null) {
                throw new IllegalStateException(
                        "the retriever of '" + system + "' returned null for query " + query.id());
            }
            results.add(QueryEvaluation.of(query.id(), ranking, qrels.judged(query.id())));
        }
        return new EvaluationReport(system, results);
    }

    /** How many queries were scored. */
    public int queryCount() {
        return perQuery.size();
    }

    /** Mean nDCG@10 over the scored queries. */
    public double meanNdcgAt10() {
        return mean(QueryEvaluation::ndcgAt10);
    }

    /** Mean recall@10. */
    public double meanRecallAt10() {
        return mean(QueryEvaluation::recallAt10);
    }

    /** Mean recall@100. */
    public double meanRecallAt100() {
        return mean(QueryEvaluation::recallAt100);
    }

    /** MRR@10: the mean reciprocal rank within the top 10. */
    public double meanMrrAt10() {
        return mean(QueryEvaluation::mrrAt10);
    }

    /** The table's header line, aligned with {@link #tableRow()}. */
    public static String header() {
        return String.format(Locale.ROOT, ROW, "system", "queries", "nDCG@10", "R@10", "R@100", "MRR@10");
    }

    /** This report as one aligned table row: name, query count and the four means to four decimals. */
    public String tableRow() {
        return String.format(
                Locale.ROOT,
                ROW,
                system,
                queryCount(),
                f(meanNdcgAt10()),
                f(meanRecallAt10()),
                f(meanRecallAt100()),
                f(meanMrrAt10()));
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "%s on %d queries: nDCG@10 %.4f, recall@10 %.4f, recall@100 %.4f, MRR@10 %.4f",
                system,
                queryCount(),
                meanNdcgAt10(),
                meanRecallAt10(),
                meanRecallAt100(),
                meanMrrAt10());
    }

    private double mean(ToDoubleFunction<QueryEvaluation> metric) {
        return perQuery.isEmpty()
                ? 0.0
                : perQuery.stream().mapToDouble(metric).average().orElse(0.0);
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
