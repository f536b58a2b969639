package dev.engram.retriever.ranking;

import dev.engram.memory.Candidate;
import dev.engram.retriever.eval.RetrievalMetrics;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The fitted BM25 weight of a tenant's {@link ScoreFusion}: the {@code w} on the grid 0, 0.05, …, 1
 * that maximises the mean nDCG@10 over the tenant's judged feedback queries.
 *
 * <pre>{@code
 * ScoreFusionFit fit = ScoreFusionFit.fit(judgedQueries);
 * fit.weight();        // e.g. 0.35
 * fit.trainingNdcg();  // mean nDCG@10 at that weight, on the queries it was fitted on
 * Ranker ranker = fit.ranker();
 * }</pre>
 *
 * <p>A grid, not a gradient: the objective is a step function of {@code w}, and 21 points are cheap
 * and enough for one parameter. Where several weights reach the best mean (common with few queries:
 * a whole interval of {@code w} gives the same orders), the one nearest 0.5 wins, so that little
 * evidence leaves the fusion balanced rather than pushed to an edge; between two equally near, the
 * smaller. The training nDCG is measured on the fitting queries and so is optimistic: the gate
 * measures on held-out ones.
 *
 * @param weight the fitted BM25 weight in [0, 1]
 * @param trainingNdcg mean nDCG@10 at {@code weight} over the fitting queries
 * @param queries how many queries it was fitted on (those with at least one relevant judgement)
 */
public record ScoreFusionFit(double weight, double trainingNdcg, int queries) {

    /** The grid's step. */
    public static final double STEP = 0.05;
    /** The cut-off of the nDCG that is maximised. */
    public static final int NDCG_K = 10;

    private static final int GRID_POINTS = (int) Math.round(1 / STEP);
    /** Means closer than this are a tie: floating-point sums in a different order must not decide. */
    private static final double TIE = 1e-12;

    public ScoreFusionFit {
        if (!(weight >= 0 && weight <= 1)) {
            throw new IllegalArgumentException("scoreFusionFit.weight must be in [0, 1], was " + weight);
        }
        if (!(trainingNdcg >= 0 && trainingNdcg <= 1)) {
            throw new IllegalArgumentException("scoreFusionFit.trainingNdcg must be in [0, 1], was " + trainingNdcg);
        }
        if (queries < 1) {
            throw new IllegalArgumentException("scoreFusionFit.queries must be >= 1, was " + queries);
        }
    }

    /**
     * Fits the weight on {@code judged}. Queries without a relevant judgement are left out (nDCG
     * cannot score them).
     *
     * @throws IllegalArgumentException when no query has a relevant judgement
     */
    public static ScoreFusionFit fit(List<JudgedQuery> judged) {
        Objects.requireNonNull(judged, "judged queries are required");
        List<JudgedQuery> scorable =
                judged.stream().filter(JudgedQuery::scorable).toList();
        if (scorable.isEmpty()) {
            throw new IllegalArgumentException("cannot fit the fusion weight: none of the " + judged.size()
                    + " judged queries has a case with a gain above 0");
        }
        // the scaled parts do not depend on w: compute them once per query, and no reasons at all
        List<ScaledQuery> prepared = scorable.stream().map(ScaledQuery::of).toList();
        double bestWeight = Double.NaN;
        double bestNdcg = -1;
        for (int i = 0; i <= GRID_POINTS; i++) {
            double w = (double) i / GRID_POINTS;
            double ndcg = meanNdcg(new ScoreFusion(w), prepared);
            boolean better = ndcg > bestNdcg + TIE;
            boolean tieButNearerHalf =
                    Math.abs(ndcg - bestNdcg) <= TIE && Math.abs(w - 0.5) < Math.abs(bestWeight - 0.5) - TIE;
            if (better || tieButNearerHalf) {
                bestWeight = w;
                bestNdcg = ndcg;
            }
        }
        return new ScoreFusionFit(bestWeight, Math.min(1.0, bestNdcg), scorable.size());
    }

    private static double meanNdcg(ScoreFusion fusion, List<ScaledQuery> queries) {
        double sum = 0;
        for (ScaledQuery q : queries) {
            List<Candidate> all = q.judged().lists().candidates();
            List<String> ranking = ScoreFusion.order(all, fusion.scores(q.bm25(), q.cos())).stream()
                    .map(i -> all.get(i).caseId())
                    .toList();
            sum += RetrievalMetrics.ndcgAtK(ranking, q.judged().gains(), NDCG_K);
        }
        return sum / queries.size();
    }

    private record ScaledQuery(JudgedQuery judged, double[] bm25, double[] cos) {
        static ScaledQuery of(JudgedQuery q) {
            List<Candidate> all = q.lists().candidates();
            return new ScaledQuery(q, ScoreFusion.scaled(all, true), ScoreFusion.scaled(all, false));
        }
    }

    /** The fusion ranker at the fitted weight. */
    public ScoreFusion ranker() {
        return new ScoreFusion(weight);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "fusion w %.2f (training nDCG@10 %.4f, n %d)", weight, trainingNdcg, queries);
    }
}
