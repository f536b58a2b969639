package dev.engram.retriever.ranking;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import dev.engram.retriever.ranking.internal.BaseScores;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The case selector Q(s, c) blended into a base ranker, trusted as far as the task is close to the
 * tasks the selector was trained on. Each candidate scores
 * <pre>
 *   (1 − ω) · base'(c) + ω · Q(s, c),   ω = blend · clamp((closeness − threshold) / (1 − threshold), 0, 1)
 * </pre>
 * where {@code base'} is the base ranker's score min-max scaled over its list and {@code closeness}
 * is the largest cosine of the query vector to a trained task vector. The selector pays on recurring
 * tasks and can only guess on new ones (DESIGN.md), so a task below the threshold is not re-ranked
 * at all, and ω grows from 0 at the threshold to {@code blend} for a task the selector has seen.
 *
 * <pre>{@code
 * Ranker ranker = new SelectorBlend(new ScoreFusion(0.4), new TrainedSelector("acme", selector::usefulness, tasks), 0.6, 0.8);
 * }</pre>
 *
 * <p>A candidate without a vector cannot be scored by the selector and keeps its scaled base score.
 * With no query vector, or ω = 0, the order is exactly the base's and the selector is not called.
 * Immutable and thread-safe when the selector's scoring is.
 */
public final class SelectorBlend implements Ranker {

    private final Ranker base;
    private final TrainedSelector selector;
    private final double blend;
    private final double threshold;

    /**
     * @param base the ranker whose order is blended
     * @param selector the tenant's selector and the task vectors it was trained on
     * @param blend the selector's weight for a task it was trained on, in [0, 1]
     * @param threshold the closeness below which the selector has no weight, in [−1, 1)
     */
    public SelectorBlend(Ranker base, TrainedSelector selector, double blend, double threshold) {
        this.base = Objects.requireNonNull(base, "selectorBlend.base is required");
        this.selector = Objects.requireNonNull(selector, "selectorBlend.selector is required");
        if (!(blend >= 0 && blend <= 1)) {
            throw new IllegalArgumentException("selectorBlend.blend must be in [0, 1], was " + blend);
        }
        if (!(threshold >= -1 && threshold < 1)) {
            throw new IllegalArgumentException("selectorBlend.threshold must be in [-1, 1), was " + threshold);
        }
        this.blend = blend;
        this.threshold = threshold;
    }

    @Override
    public String name() {
        return base.name() + "+selector";
    }

    /** The selector's weight ω for a task at {@code closeness} to the trained tasks. */
    public double weightAt(double closeness) {
        double ramp = (closeness - threshold) / (1 - threshold);
        return blend * Math.max(0, Math.min(1, ramp));
    }

    @Override
    public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
        BaseScores.requireTenant(query, selector.tenant(), "the selector blend");
        List<RankedCandidate> ranked = base.rank(query, candidates);
        double[] scaled = BaseScores.scaled(ranked);
        float[] task = query.vector();
        double closeness = task == null ? Double.NaN : selector.closeness(task);
        double omega = task == null ? 0 : weightAt(closeness);
        List<RankedCandidate> rescored = new ArrayList<>(ranked.size());
        if (omega == 0) {
            String why = task == null
                    ? "selector 0 (no query vector)"
                    : String.format(
                            Locale.ROOT,
                            "selector 0 (nearest trained task cos %.2f, below %.2f)",
                            closeness,
                            threshold);
            for (int i = 0; i < ranked.size(); i++) {
                rescored.add(rescore(
                        ranked.get(i), scaled[i], String.format(Locale.ROOT, "base %.2f + %s", scaled[i], why)));
            }
            return List.copyOf(rescored);
        }
        List<Integer> withVector = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            float[] v = ranked.get(i).candidate().vector();
            if (v != null) {
                withVector.add(i);
                vectors.add(v);
            }
        }
        float[] q = selector.model().usefulness(task, vectors);
        if (q.length != vectors.size()) {
            throw new IllegalStateException(
                    "the case selector returned " + q.length + " scores for " + vectors.size() + " cases");
        }
        double[] usefulness = new double[ranked.size()];
        Arrays.fill(usefulness, Double.NaN);
        for (int j = 0; j < q.length; j++) {
            if (!(q[j] >= 0 && q[j] <= 1)) {
                throw new IllegalStateException("the case selector returned " + q[j] + " for case "
                        + ranked.get(withVector.get(j)).candidate().caseId()
                        + "; a probability in [0, 1] was expected");
            }
            usefulness[withVector.get(j)] = q[j];
        }
        for (int i = 0; i < ranked.size(); i++) {
            double u = usefulness[i];
            String why = Double.isNaN(u)
                    ? String.format(Locale.ROOT, "base %.2f (no case vector for the selector)", scaled[i])
                    : String.format(
                            Locale.ROOT,
                            "base %.2f×%.2f + selector Q %.2f×%.2f (nearest trained task cos %.2f)",
                            1 - omega,
                            scaled[i],
                            omega,
                            u,
                            closeness);
            double score = Double.isNaN(u) ? scaled[i] : (1 - omega) * scaled[i] + omega * u;
            rescored.add(rescore(ranked.get(i), score, why));
        }
        return BaseScores.sortKeepingBaseOrderOnTies(rescored);
    }

    private static RankedCandidate rescore(RankedCandidate r, double score, String why) {
        return new RankedCandidate(r.candidate(), score, r.contribution() + "; " + why);
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "SelectorBlend[%s, blend=%.2f, threshold=%.2f, %s]",
                base.name(),
                blend,
                threshold,
                selector);
    }
}
