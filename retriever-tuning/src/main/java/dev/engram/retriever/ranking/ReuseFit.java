package dev.engram.retriever.ranking;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import dev.engram.retriever.eval.RetrievalMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The similar-task search of a tenant's policy (the threshold and how many neighbours reuse and
 * dense feedback consult), fitted on its own judged tasks by leave-one-out:
 * each judged task in turn is ranked as a new task would be, by the policy over the memory of all
 * the <em>other</em> tasks, and scored by nDCG@10 against its own verdicts (useful = gain 1). The
 * pair on the grid {@link #THRESHOLDS} × {@link #NEIGHBOURS} with the best mean wins; on a tie the
 * higher threshold, then the fewer neighbours (reuse that reaches fewer tasks). Leaving the task out
 * is what makes this a fit for new tasks: with its own verdicts in the memory every threshold would
 * look alike. Over a wider {@link ReuseGrid} the same leave-one-out also fits the words' share in the
 * tasks' similarity (with the search), then β, the {@link ReuseShape}'s weighing and dense feedback's
 * λ at the search found, then the search again if the weighing changed. On Cranfield those wider fits
 * scored better leave-one-out and no better on new tasks (README, "On Cranfield"), so a node fits
 * {@link ReuseGrid#SEARCH}.
 *
 * <pre>{@code
 * ReuseFit fit = ReuseFit.fit(policy, untunedRrf, "acme", tasks, judgedQueries);
 * RankerPolicy fitted = fit.applyTo(policy);
 * }</pre>
 *
 * <p>The verdicts cover only what the agents were shown, so a case that another task's verdicts
 * pull up and that this task never judged counts as useless here: the fit leans towards reuse that
 * does less, which is the safe side. The gate still measures the result on held-out tasks.
 *
 * @param threshold the fitted threshold
 * @param neighbours the fitted number of neighbours
 * @param beta the fitted reuse strength (the policy's own where the grid does not search it)
 * @param shape the fitted shape (the policy's own where the grid does not search it)
 * @param feedbackWeight the fitted λ of dense feedback, 0 for off (the policy's own where the grid does not
 *     search it)
 * @param looNdcg mean leave-one-out nDCG@10 at the fitted point
 * @param baseNdcg mean nDCG@10 of the policy's base alone (no feedback, no reuse) on the same tasks
 * @param tasks how many tasks were scored (those with at least one useful verdict)
 */
public record ReuseFit(
        double threshold,
        int neighbours,
        double beta,
        ReuseShape shape,
        double feedbackWeight,
        double looNdcg,
        double baseNdcg,
        int tasks) {

    /** The thresholds tried by {@link ReuseGrid#SEARCH}. */
    public static final List<Double> THRESHOLDS = ReuseGrid.THRESHOLDS;
    /** The numbers of neighbours tried by {@link ReuseGrid#SEARCH}. */
    public static final List<Integer> NEIGHBOURS = ReuseGrid.NEIGHBOURS;

    private static final int K = 10;
    private static final double TIE = 1e-12;

    /**
     * Fits the similar-task search of {@code policy}'s reuse (and dense feedback, which consults the
     * same tasks) over {@link ReuseGrid#SEARCH}.
     *
     * @param policy the policy to fit, with reuse or feedback on; its other parameters are kept
     * @param untuned the untuned ranker, the base of {@link RankerPolicy.Base#RRF}
     * @param tenant the tenant whose tasks these are
     * @param tasks the tenant's judged tasks, all of one tenant
     * @param judged each task's candidate lists and verdicts ({@code judged.get(i)} is {@code tasks.get(i)}'s)
     * @throws IllegalArgumentException when the lists differ in length or no task has a useful verdict
     */
    public static ReuseFit fit(
            RankerPolicy policy, Ranker untuned, String tenant, List<JudgedTask> tasks, List<JudgedQuery> judged) {
        return fit(policy, untuned, tenant, tasks, judged, ReuseGrid.SEARCH);
    }

    /**
     * Fits {@code policy}'s reuse over {@code grid}: first the search, then how the verdicts weigh
     * (see {@link ReuseGrid}).
     *
     * @throws IllegalArgumentException when the lists differ in length or no task has a useful verdict
     */
    public static ReuseFit fit(
            RankerPolicy policy,
            Ranker untuned,
            String tenant,
            List<JudgedTask> tasks,
            List<JudgedQuery> judged,
            ReuseGrid grid) {
        Objects.requireNonNull(policy, "policy is required");
        Objects.requireNonNull(grid, "grid is required");
        if (tasks.size() != judged.size()) {
            throw new IllegalArgumentException(
                    "tasks and judged queries must pair up, had " + tasks.size() + " and " + judged.size());
        }
        List<Integer> scorable = new ArrayList<>();
        for (int i = 0; i < judged.size(); i++) {
            if (judged.get(i).scorable()) {
                scorable.add(i);
            }
        }
        if (scorable.isEmpty()) {
            throw new IllegalArgumentException("cannot fit the similar-task search: none of the " + tasks.size()
                    + " judged tasks has a useful case");
        }
        List<RankerFactory> leftOut = new ArrayList<>(scorable.size());
        for (int i : scorable) {
            List<JudgedTask> others = new ArrayList<>(tasks);
            others.remove(i);
            // the untuned order of the task's lists is the same at every grid point: rank it once
            CandidateLists lists = judged.get(i).lists();
            List<RankedCandidate> ranked = untuned.rank(lists.query(), lists);
            leftOut.add(
                    RankerFactory.of(new Ranked(untuned.name(), lists, ranked), new JudgedTaskMemory(tenant, others)));
        }
        double baseNdcg =
                meanNdcg(policy.withoutFeedback().withoutReuse().withoutSelector(), leftOut, scorable, judged);
        Scorer scorer = new Scorer(policy, leftOut, scorable, judged);
        // the search at the policy's weighing; then the weighing at that search; then, if the weighing
        // changed, the search again at it (a search that reached no task could not show what β does)
        double lambda = policy.feedback() ? policy.feedbackWeight() : 0;
        Point point = searchStage(scorer, grid, policy.reuseBeta(), policy.reuseShape(), lambda);
        Point weighed = weighingStage(scorer, grid, point);
        if (weighed.beta() != point.beta()
                || !weighed.shape().equals(point.shape())
                || weighed.feedbackWeight() != point.feedbackWeight()) {
            Point again = searchStage(scorer, grid, weighed.beta(), weighed.shape(), weighed.feedbackWeight());
            point = again.ndcg() > weighed.ndcg() + TIE ? again : weighed;
        }
        return new ReuseFit(
                point.threshold(),
                point.neighbours(),
                point.beta(),
                point.shape(),
                point.feedbackWeight(),
                point.ndcg(),
                baseNdcg,
                scorable.size());
    }

    /** One point of the grid and its mean leave-one-out nDCG@10. */
    private record Point(
            double threshold, int neighbours, double beta, ReuseShape shape, double feedbackWeight, double ndcg) {}

    /** Scores a point: the policy at it, over every left-out task. */
    private record Scorer(
            RankerPolicy policy, List<RankerFactory> leftOut, List<Integer> scorable, List<JudgedQuery> judged) {
        double score(double threshold, int neighbours, double beta, ReuseShape shape, double lambda) {
            RankerPolicy candidate = withFeedback(
                    reuseOrNot(
                            policy,
                            policy.withoutSelector().withReuseShape(shape).withReuse(beta, neighbours, threshold)),
                    lambda);
            return meanNdcg(candidate, leftOut, scorable, judged);
        }
    }

    /** Threshold × neighbours × words' share; ties: the higher threshold, then the fewer neighbours. */
    private static Point searchStage(Scorer scorer, ReuseGrid grid, double beta, ReuseShape shape, double lambda) {
        Point best = null;
        for (double alpha : orOwn(grid.textWeights(), shape.textWeight())) {
            for (double threshold : grid.thresholds()) {
                for (int m : grid.neighbours()) {
                    ReuseShape s = shape.withTextWeight(alpha);
                    double ndcg = scorer.score(threshold, m, beta, s, lambda);
                    boolean tie = best != null && Math.abs(ndcg - best.ndcg()) <= TIE;
                    boolean sameWords = best != null && alpha == best.shape().textWeight();
                    if (best == null
                            || ndcg > best.ndcg() + TIE
                            || (tie && sameWords && threshold > best.threshold())
                            || (tie && sameWords && threshold == best.threshold() && m < best.neighbours())) {
                        best = new Point(threshold, m, beta, s, lambda, ndcg);
                    }
                }
            }
        }
        return best;
    }

    /** β × closeness power × useless weight at the point's search; ties keep the earlier value. */
    private static Point weighingStage(Scorer scorer, ReuseGrid grid, Point at) {
        List<Double> betas = orOwn(grid.betas(), at.beta());
        List<Double> powers = orOwn(grid.powers(), at.shape().power());
        List<Double> useless = orOwn(grid.uselessWeights(), at.shape().uselessWeight());
        List<Double> lambdas = orOwn(grid.feedbackWeights(), at.feedbackWeight());
        if (betas.size() * powers.size() * useless.size() * lambdas.size() == 1) {
            return at;
        }
        Point best = null;
        for (double b : betas) {
            for (double p : powers) {
                for (double u : useless) {
                    for (double l : lambdas) {
                        ReuseShape s = at.shape().withPower(p).withUselessWeight(u);
                        double ndcg = scorer.score(at.threshold(), at.neighbours(), b, s, l);
                        if (best == null || ndcg > best.ndcg() + TIE) {
                            best = new Point(at.threshold(), at.neighbours(), b, s, l, ndcg);
                        }
                    }
                }
            }
        }
        // the grid may not hold the point's own weighing: keep it unless the grid beats it
        return best.ndcg() > at.ndcg() + TIE ? best : at;
    }

    private static <T> List<T> orOwn(List<T> values, T own) {
        return values.isEmpty() ? List.of(own) : values;
    }

    /** {@code policy} with dense feedback at λ, or off at 0. */
    private static RankerPolicy withFeedback(RankerPolicy policy, double lambda) {
        return lambda > 0 ? policy.withFeedback(lambda) : policy.withoutFeedback();
    }

    private static RankerPolicy reuseOrNot(RankerPolicy policy, RankerPolicy candidate) {
        return policy.reuse() ? candidate : candidate.withoutReuse();
    }

    /** {@code policy} with the fitted search, strength, shape and feedback (reuse on or off as it was). */
    public RankerPolicy applyTo(RankerPolicy policy) {
        return withFeedback(
                reuseOrNot(policy, policy.withReuseShape(shape).withReuse(beta, neighbours, threshold)),
                feedbackWeight);
    }

    private static double meanNdcg(
            RankerPolicy policy, List<RankerFactory> leftOut, List<Integer> scorable, List<JudgedQuery> judged) {
        double sum = 0;
        for (int j = 0; j < scorable.size(); j++) {
            JudgedQuery q = judged.get(scorable.get(j));
            Ranker ranker = leftOut.get(j).build(policy);
            List<String> ranking = ranker.rank(q.lists().query(), q.lists()).stream()
                    .map(r -> r.candidate().caseId())
                    .toList();
            sum += RetrievalMetrics.ndcgAtK(ranking, q.gains(), K);
        }
        return sum / scorable.size();
    }

    /** The untuned ranker's order of one task's lists, ranked once. */
    private record Ranked(String name, CandidateLists lists, List<RankedCandidate> ranked) implements Ranker {
        @Override
        public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
            if (candidates != lists) {
                throw new IllegalStateException("ranked for another task's candidate lists");
            }
            return ranked;
        }
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "reuse threshold %.2f, %d neighbours, β %.2f, %s, feedback λ %.2f (leave-one-out nDCG@10 %.4f, base %.4f,"
                        + " n %d)",
                threshold,
                neighbours,
                beta,
                shape.describe(),
                feedbackWeight,
                looNdcg,
                baseNdcg,
                tasks);
    }
}
