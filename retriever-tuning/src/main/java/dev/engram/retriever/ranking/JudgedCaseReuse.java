package dev.engram.retriever.ranking;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import dev.engram.retriever.ranking.internal.BaseScores;
import dev.engram.retriever.ranking.internal.TaskWords;
import dev.engram.retriever.ranking.internal.UnitVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Judged-case reuse (AgentFly's non-parametric case memory; relevance feedback carried over from
 * similar tasks): the verdicts that the most similar past tasks gave a case move it up or down for
 * a new task.
 *
 * <p>For a query vector it finds the at most {@code m} past tasks of the tenant's
 * {@link JudgedTaskMemory} whose cosine to the query is at least {@code threshold}, and scores each
 * candidate
 * <pre>
 *   base'(c) + β · Σ_t sim(q, t) · v_t(c) / Σ_t sim(q, t)
 * </pre>
 * where {@code base'} is the base ranker's score min-max scaled over its list and
 * {@code v_t(c)} is +1 when task {@code t} judged the case useful, −1 useless, 0 not judged. The sum
 * runs over all found tasks, so a case that only one of five close tasks judged moves less than one
 * that all five agreed on. This is {@link RankerPolicy.ReuseWeighting#SIMILARITY_SHARE}.
 *
 * <p>With {@link RankerPolicy.ReuseWeighting#CLOSENESS} a task weighs by how far its cosine lies
 * above the threshold, {@code w_t = (sim(q, t) − threshold) / (1 − threshold)}, the sum runs over
 * the found tasks other than the same task asked again, and
 * <pre>
 *   base'(c) + own(c) + β · Σ_t w_t · v_t(c) / max(1, Σ_t w_t)
 * </pre>
 * A task just above the threshold barely moves anything, so the threshold can be low (reuse then
 * reaches many more new tasks) without distant tasks counting as much as close ones; and a lone
 * close task is not divided by distant ones. {@code own(c)} is the verdict of the same task asked
 * again (cosine at least {@value #SAME_TASK}), ±1: a recurring task's own useful cases rise above
 * every case it did not judge, its useless ones fall below them.
 *
 * <p>A {@link ReuseShape} bends this: {@code w_t} to a power, a useless verdict counted as
 * {@code −uselessWeight} instead of −1, and the tasks' similarity mixed with the overlap of their
 * words.
 *
 * <pre>{@code
 * Ranker reuse = new JudgedCaseReuse(new ScoreFusion(0.4), memory, 0.5, 5, 0.75);
 * reuse.rank(query, candidates).get(0).contribution();
 * // "fusion 0.62 (…); base 1.00 + reuse +0.50 (judged by 2 of 2 similar tasks: 2 useful, 0 useless)"
 * }</pre>
 *
 * <p>Only the candidates are reordered: a case that similar tasks judged useful but that neither
 * first-stage list returned is not pulled in. A {@link dev.engram.memory.Candidate} is, by contract,
 * something a search returned, and on Cranfield pulling such cases in raised recall@100 but not
 * nDCG@10 (DESIGN.md). With no query vector, or no past task close enough, the order is exactly the
 * base's. Immutable and thread-safe.
 */
public final class JudgedCaseReuse implements Ranker {

    /** The cosine from which a past task counts as the same task asked again. */
    public static final double SAME_TASK = 0.9999;

    private final Ranker base;
    private final JudgedTaskMemory memory;
    private final double beta;
    private final int neighbours;
    private final double threshold;
    private final RankerPolicy.ReuseWeighting weighting;
    private final ReuseShape shape;
    private final TaskWords words;

    /**
     * @param base the ranker whose order is adjusted
     * @param memory the tenant's judged tasks
     * @param beta how far a unanimous verdict moves a case, in units of the base's scaled range; >= 0
     * @param neighbours {@code m}, how many similar tasks to consult at most; >= 1
     * @param threshold the least cosine of a past task to the query to be consulted, in (0, 1]
     */
    public JudgedCaseReuse(Ranker base, JudgedTaskMemory memory, double beta, int neighbours, double threshold) {
        this(base, memory, beta, neighbours, threshold, RankerPolicy.ReuseWeighting.SIMILARITY_SHARE);
    }

    /**
     * @param weighting how the similar tasks' verdicts are weighed (see the class comment)
     */
    public JudgedCaseReuse(
            Ranker base,
            JudgedTaskMemory memory,
            double beta,
            int neighbours,
            double threshold,
            RankerPolicy.ReuseWeighting weighting) {
        this(base, memory, beta, neighbours, threshold, weighting, ReuseShape.LINEAR, null);
    }

    /**
     * @param shape the closeness power, the weight of useless verdicts and the words' share in the
     *     tasks' similarity
     * @param words the memory's task words ({@link RankerFactory} builds them once per memory); required
     *     when {@code shape.textWeight()} is above 0, else unused (may be null)
     */
    public JudgedCaseReuse(
            Ranker base,
            JudgedTaskMemory memory,
            double beta,
            int neighbours,
            double threshold,
            RankerPolicy.ReuseWeighting weighting,
            ReuseShape shape,
            TaskWords words) {
        this.shape = Objects.requireNonNull(shape, "judgedCaseReuse.shape is required");
        if (shape.textWeight() > 0 && words == null) {
            throw new IllegalArgumentException(
                    "judgedCaseReuse.words are required when the shape weighs words (" + shape.textWeight() + ")");
        }
        this.words = words;
        this.weighting = Objects.requireNonNull(weighting, "judgedCaseReuse.weighting is required");
        this.base = Objects.requireNonNull(base, "judgedCaseReuse.base is required");
        this.memory = Objects.requireNonNull(memory, "judgedCaseReuse.memory is required");
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("judgedCaseReuse.beta must be >= 0 and finite, was " + beta);
        }
        if (neighbours < 1) {
            throw new IllegalArgumentException("judgedCaseReuse.neighbours must be >= 1, was " + neighbours);
        }
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("judgedCaseReuse.threshold must be in (0, 1], was " + threshold);
        }
        this.beta = beta;
        this.neighbours = neighbours;
        this.threshold = threshold;
    }

    @Override
    public String name() {
        return base.name() + "+reuse";
    }

    @Override
    public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
        BaseScores.requireTenant(query, memory.tenant(), "judged-case reuse");
        List<RankedCandidate> ranked = base.rank(query, candidates);
        double[] scaled = BaseScores.scaled(ranked);
        float[] vector = query.vector();
        double alpha = shape.textWeight();
        List<SimilarTask> similar = vector == null
                ? List.of()
                : memory.nearest(
                        vector, alpha > 0 ? words.similarities(query.text()) : null, alpha, neighbours, threshold);
        boolean closeness = weighting == RankerPolicy.ReuseWeighting.CLOSENESS;
        // a task asked again is known by its vector; the hybrid similarity may be below 1 for it
        float[] unit = alpha > 0 && !similar.isEmpty() ? UnitVectors.unit(vector, "query vector") : null;
        double[] weights = new double[similar.size()];
        boolean[] same = new boolean[similar.size()];
        double weightSum = 0;
        for (int t = 0; t < weights.length; t++) {
            double sim = similar.get(t).similarity();
            double cos = unit == null ? sim : similar.get(t).task().cosine(unit);
            same[t] = closeness && cos >= SAME_TASK;
            weights[t] = !closeness ? sim : same[t] ? 0 : shape.weigh(closeness(sim));
            weightSum += weights[t];
        }
        double norm = closeness ? Math.max(1, weightSum) : weightSum;
        List<RankedCandidate> rescored = new ArrayList<>(ranked.size());
        for (int i = 0; i < ranked.size(); i++) {
            RankedCandidate r = ranked.get(i);
            String caseId = r.candidate().caseId();
            double vote = 0;
            double own = 0;
            int useful = 0;
            int useless = 0;
            for (int t = 0; t < weights.length; t++) {
                int v = similar.get(t).task().verdict(caseId);
                vote += weights[t] * (v < 0 ? -shape.uselessWeight() : v);
                // a task asked again: its own verdict, over the whole scaled range
                own = same[t] && v != 0 ? v : own;
                useful += v > 0 ? 1 : 0;
                useless += v < 0 ? 1 : 0;
            }
            double adjustment = similar.isEmpty() ? 0 : own + (norm == 0 ? 0 : beta * vote / norm);
            String why = similar.isEmpty()
                    ? (vector == null ? "reuse 0 (no query vector)" : "reuse 0 (no similar past task)")
                    : useful + useless == 0
                            ? String.format(Locale.ROOT, "reuse 0 (not judged by the %d similar tasks)", similar.size())
                            : String.format(
                                    Locale.ROOT,
                                    "reuse %+.2f (judged by %d of %d similar tasks: %d useful, %d useless)",
                                    adjustment,
                                    useful + useless,
                                    similar.size(),
                                    useful,
                                    useless);
            rescored.add(new RankedCandidate(
                    r.candidate(),
                    scaled[i] + adjustment,
                    String.format(Locale.ROOT, "%s; base %.2f + %s", r.contribution(), scaled[i], why)));
        }
        // nothing to carry over: the base's order as it is, even where its scores do not sort it
        return similar.isEmpty() ? List.copyOf(rescored) : BaseScores.sortKeepingBaseOrderOnTies(rescored);
    }

    /** A task's weight under {@link RankerPolicy.ReuseWeighting#CLOSENESS}: 0 at the threshold, 1 at cosine 1. */
    private double closeness(double sim) {
        return threshold >= 1 ? 1 : Math.max(0, Math.min(1, (sim - threshold) / (1 - threshold)));
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "JudgedCaseReuse[%s, β=%.2f, m=%d, threshold=%.2f, %s, %s, %d judged tasks]",
                base.name(),
                beta,
                neighbours,
                threshold,
                weighting,
                shape.describe(),
                memory.tasks().size());
    }
}
