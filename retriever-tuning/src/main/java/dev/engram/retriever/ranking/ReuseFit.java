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
 * look alike.
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
 * @param looNdcg mean leave-one-out nDCG@10 at that threshold and number
 * @param baseNdcg mean nDCG@10 of the policy's base alone (no feedback, no reuse) on the same tasks
 * @param tasks how many tasks were scored (those with at least one useful verdict)
 */
public record ReuseFit(double threshold, int neighbours, double looNdcg, double baseNdcg, int tasks) {

    /** The thresholds tried. */
    public static final List<Double> THRESHOLDS = List.of(0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9);
    /** The numbers of neighbours tried. */
    public static final List<Integer> NEIGHBOURS = List.of(5, 10, 20);

    private static final int K = 10;
    private static final double TIE = 1e-12;

    /**
     * Fits the similar-task search of {@code policy}'s reuse (and dense feedback, which consults the same tasks).
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
        Objects.requireNonNull(policy, "policy is required");
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
        double best = Double.NaN;
        int bestNeighbours = 0;
        double bestNdcg = -1;
        for (double threshold : THRESHOLDS) {
            for (int m : NEIGHBOURS) {
                RankerPolicy candidate = policy.withoutSelector().withReuse(policy.reuseBeta(), m, threshold);
                if (!policy.reuse()) {
                    candidate = candidate.withoutReuse();
                }
                double ndcg = meanNdcg(candidate, leftOut, scorable, judged);
                boolean tie = Math.abs(ndcg - bestNdcg) <= TIE;
                if (ndcg > bestNdcg + TIE
                        || (tie && threshold > best)
                        || (tie && threshold == best && m < bestNeighbours)) {
                    best = threshold;
                    bestNeighbours = m;
                    bestNdcg = ndcg;
                }
            }
        }
        return new ReuseFit(best, bestNeighbours, bestNdcg, baseNdcg, scorable.size());
    }

    /** {@code policy} with the fitted threshold and neighbours (reuse on or off as it was). */
    public RankerPolicy applyTo(RankerPolicy policy) {
        RankerPolicy fitted = policy.withReuse(policy.reuseBeta(), neighbours, threshold);
        return policy.reuse() ? fitted : fitted.withoutReuse();
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
                "reuse threshold %.2f, %d neighbours (leave-one-out nDCG@10 %.4f, base %.4f, n %d)",
                threshold,
                neighbours,
                looNdcg,
                baseNdcg,
                tasks);
    }
}
