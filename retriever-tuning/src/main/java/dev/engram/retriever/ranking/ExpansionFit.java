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
 * The weight γ of a policy's {@link TaskExpansion}, fitted on the tenant's own judged tasks by
 * leave-one-out, as {@link ReuseFit} fits the similar-task search: each judged task in turn is
 * ranked by the policy over the memory of all the <em>other</em> tasks (their verdicts and their
 * texts), and scored by nDCG@10 against its own verdicts. The weight on {@link #WEIGHTS} with the
 * best mean wins if it beats the policy without expansion; on a tie the smaller weight.
 *
 * <pre>{@code
 * ExpansionFit fit = ExpansionFit.fit(fittedProposed, untunedRrf, "acme", tasks, judgedQueries);
 * RankerPolicy policy = fit.applyTo(fittedProposed);   // expansion on at γ, or off
 * }</pre>
 *
 * @param weight the fitted γ; 0 when no weight beat the policy without expansion
 * @param looNdcg mean leave-one-out nDCG@10 at that weight
 * @param withoutNdcg mean leave-one-out nDCG@10 of the policy without expansion
 * @param tasks how many tasks were scored (those with at least one useful verdict)
 */
public record ExpansionFit(double weight, double looNdcg, double withoutNdcg, int tasks) {

    /** The weights tried. */
    public static final List<Double> WEIGHTS = List.of(0.25, 0.5, 1.0, 2.0, 4.0);

    private static final int K = 10;
    private static final double TIE = 1e-12;

    /**
     * Fits γ for {@code policy} (its other parameters kept, the selector left out).
     *
     * @param judged each task's candidate lists and verdicts ({@code judged.get(i)} is {@code tasks.get(i)}'s)
     * @throws IllegalArgumentException when the lists differ in length or no task has a useful verdict
     */
    public static ExpansionFit fit(
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
            throw new IllegalArgumentException(
                    "cannot fit task expansion: none of the " + tasks.size() + " judged tasks has a useful case");
        }
        List<RankerFactory> leftOut = new ArrayList<>(scorable.size());
        for (int i : scorable) {
            List<JudgedTask> others = new ArrayList<>(tasks);
            others.remove(i);
            CandidateLists lists = judged.get(i).lists();
            List<RankedCandidate> ranked = untuned.rank(lists.query(), lists);
            leftOut.add(
                    RankerFactory.of(new Ranked(untuned.name(), lists, ranked), new JudgedTaskMemory(tenant, others)));
        }
        RankerPolicy without = policy.withoutSelector().withoutExpansion();
        double withoutNdcg = meanNdcg(without, leftOut, scorable, judged);
        double best = 0;
        double bestNdcg = withoutNdcg;
        for (double w : WEIGHTS) {
            double ndcg = meanNdcg(without.withExpansion(w), leftOut, scorable, judged);
            if (ndcg > bestNdcg + TIE) {
                best = w;
                bestNdcg = ndcg;
            }
        }
        return new ExpansionFit(best, bestNdcg, withoutNdcg, scorable.size());
    }

    /** {@code policy} with expansion on at the fitted weight, or off when none helped. */
    public RankerPolicy applyTo(RankerPolicy policy) {
        return weight > 0 ? policy.withExpansion(weight) : policy.withoutExpansion();
    }

    private static double meanNdcg(
            RankerPolicy policy, List<RankerFactory> leftOut, List<Integer> scorable, List<JudgedQuery> judged) {
        double sum = 0;
        for (int j = 0; j < scorable.size(); j++) {
            JudgedQuery q = judged.get(scorable.get(j));
            List<String> ranking = leftOut.get(j).build(policy).rank(q.lists().query(), q.lists()).stream()
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
                "task expansion γ %.2f (leave-one-out nDCG@10 %.4f, without %.4f, n %d)",
                weight,
                looNdcg,
                withoutNdcg,
                tasks);
    }
}
