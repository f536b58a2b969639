package dev.engram.retriever.ranking;

import dev.engram.memory.Candidate;
import dev.engram.memory.CandidateLists;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import dev.engram.retriever.ranking.internal.BaseScores;
import dev.engram.retriever.ranking.internal.MinMaxScaling;
import dev.engram.retriever.ranking.internal.UnitVectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Dense relevance feedback (Rocchio in the vector space): the verdicts of the most similar past
 * tasks move the query vector towards the cases they judged useful and away from the ones they
 * judged useless, and every candidate is scored again by its cosine to the moved vector. A case
 * that no task ever judged rises when it lies close to judged-useful cases and sinks when it lies
 * close to judged-useless ones: the verdicts propagate to vector neighbours.
 *
 * <pre>
 *   q' = q̂ + α · Σ_t w_t · mean(useful_t) − γ · Σ_t w_t · mean(useless_t)
 *   w_t = c_t / max(1, Σ c),   c_t = (sim(q, t) − threshold) / (1 − threshold)
 *   score(c) = (1 − λ) · base'(c) + λ · cos'(c, q')
 * </pre>
 * where {@code base'} is the base ranker's score and {@code cos'} the cosine to {@code q'}, each
 * min-max scaled over the candidates. The similar tasks are found as {@link JudgedCaseReuse} finds
 * them (at most {@code m}, cosine at least {@code threshold}) and weighed by their closeness above
 * the threshold, as {@link RankerPolicy.ReuseWeighting#CLOSENESS} reuse weighs them (a task just
 * above the threshold barely moves the query, the same task asked again moves it fully); α is
 * {@value #USEFUL_WEIGHT} and γ {@value #USELESS_WEIGHT}, the usual Rocchio weights.
 *
 * <pre>{@code
 * Ranker ranker = new DenseFeedback(new ReciprocalRankFusion(), memory, 0.3, 5, 0.75);
 * }</pre>
 *
 * <p>A judged case contributes its vector only when this query's lists returned it (a
 * {@link Candidate} carries its vector; the memory keeps verdicts, not vectors). With no query
 * vector, no similar past task, or none of their judged cases among the candidates, the order is
 * exactly the base's. Candidates without a vector keep their scaled base score. Immutable and
 * thread-safe.
 */
public final class DenseFeedback implements Ranker {

    /** Rocchio's weight on the mean of the judged-useful vectors. */
    public static final double USEFUL_WEIGHT = 0.75;
    /** Rocchio's weight on the mean of the judged-useless vectors. */
    public static final double USELESS_WEIGHT = 0.15;

    private final Ranker base;
    private final JudgedTaskMemory memory;
    private final double weight;
    private final int neighbours;
    private final double threshold;

    /**
     * @param base the ranker whose order is adjusted
     * @param memory the tenant's judged tasks
     * @param weight λ, the share of the feedback cosine in the final score, in [0, 1]
     * @param neighbours {@code m}, how many similar tasks to consult at most; >= 1
     * @param threshold the least cosine of a past task to the query to be consulted, in (0, 1]
     */
    public DenseFeedback(Ranker base, JudgedTaskMemory memory, double weight, int neighbours, double threshold) {
        this.base = Objects.requireNonNull(base, "denseFeedback.base is required");
        this.memory = Objects.requireNonNull(memory, "denseFeedback.memory is required");
        if (!(weight >= 0 && weight <= 1)) {
            throw new IllegalArgumentException("denseFeedback.weight must be in [0, 1], was " + weight);
        }
        if (neighbours < 1) {
            throw new IllegalArgumentException("denseFeedback.neighbours must be >= 1, was " + neighbours);
        }
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("denseFeedback.threshold must be in (0, 1], was " + threshold);
        }
        this.weight = weight;
        this.neighbours = neighbours;
        this.threshold = threshold;
    }

    @Override
    public String name() {
        return base.name() + "+feedback";
    }

    @Override
    public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
        BaseScores.requireTenant(query, memory.tenant(), "dense feedback");
        List<RankedCandidate> ranked = base.rank(query, candidates);
        float[] vector = query.vector();
        List<SimilarTask> similar = vector == null ? List.of() : memory.nearest(vector, neighbours, threshold);
        float[] moved = similar.isEmpty() ? null : moved(UnitVectors.unit(vector, "query vector"), similar, ranked);
        double[] scaled = BaseScores.scaled(ranked);
        List<RankedCandidate> out = new ArrayList<>(ranked.size());
        if (moved == null || weight == 0) {
            String why = vector == null
                    ? "feedback 0 (no query vector)"
                    : similar.isEmpty()
                            ? "feedback 0 (no similar past task)"
                            : "feedback 0 (no judged case among the candidates)";
            for (int i = 0; i < ranked.size(); i++) {
                out.add(rescore(
                        ranked.get(i), scaled[i], String.format(Locale.ROOT, "base %.2f + %s", scaled[i], why)));
            }
            return List.copyOf(out);
        }
        List<Integer> withVector = new ArrayList<>();
        List<Double> cosines = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            float[] v = ranked.get(i).candidate().vector();
            if (v != null && v.length == moved.length) {
                withVector.add(i);
                cosines.add(cosine(v, moved));
            }
        }
        double[] cos = MinMaxScaling.scale(
                cosines.stream().mapToDouble(Double::doubleValue).toArray());
        double[] feedback = new double[ranked.size()];
        Arrays.fill(feedback, Double.NaN);
        for (int j = 0; j < withVector.size(); j++) {
            feedback[withVector.get(j)] = cos[j];
        }
        for (int i = 0; i < ranked.size(); i++) {
            double f = feedback[i];
            double score = Double.isNaN(f) ? scaled[i] : (1 - weight) * scaled[i] + weight * f;
            String why = Double.isNaN(f)
                    ? String.format(Locale.ROOT, "base %.2f (no case vector for feedback)", scaled[i])
                    : String.format(
                            Locale.ROOT,
                            "base %.2f×%.2f + feedback cos %.2f×%.2f (from %d similar tasks)",
                            1 - weight,
                            scaled[i],
                            weight,
                            f,
                            similar.size());
            out.add(rescore(ranked.get(i), score, why));
        }
        return BaseScores.sortKeepingBaseOrderOnTies(out);
    }

    /** The query moved by the similar tasks' verdicts, unit length; null when no judged case has a vector here. */
    private float[] moved(float[] unitQuery, List<SimilarTask> similar, List<RankedCandidate> ranked) {
        // only the judged cases' vectors are needed
        Set<String> judged = new HashSet<>();
        for (SimilarTask s : similar) {
            judged.addAll(s.task().useful());
            judged.addAll(s.task().useless());
        }
        Map<String, float[]> vectors = new HashMap<>();
        for (RankedCandidate r : ranked) {
            float[] v = r.candidate().vector();
            if (v != null
                    && v.length == unitQuery.length
                    && judged.contains(r.candidate().caseId())) {
                vectors.put(r.candidate().caseId(), UnitVectors.unit(v, "candidate vector"));
            }
        }
        double[] weights = new double[similar.size()];
        double weightSum = 0;
        for (int t = 0; t < weights.length; t++) {
            double sim = similar.get(t).similarity();
            weights[t] = threshold >= 1 ? 1 : Math.max(0, Math.min(1, (sim - threshold) / (1 - threshold)));
            weightSum += weights[t];
        }
        double norm = Math.max(1, weightSum);
        double[] q = new double[unitQuery.length];
        for (int d = 0; d < q.length; d++) {
            q[d] = unitQuery[d];
        }
        boolean any = false;
        for (int t = 0; t < weights.length; t++) {
            double w = weights[t] / norm;
            if (w > 0) {
                any |= addMean(q, similar.get(t).task().useful(), vectors, USEFUL_WEIGHT * w);
                any |= addMean(q, similar.get(t).task().useless(), vectors, -USELESS_WEIGHT * w);
            }
        }
        if (!any) {
            return null;
        }
        float[] out = new float[q.length];
        for (int d = 0; d < q.length; d++) {
            out[d] = (float) q[d];
        }
        return UnitVectors.unit(out, "feedback vector");
    }

    /** Adds {@code scale} times the mean of the cases' vectors that are known; whether any was. */
    private static boolean addMean(double[] q, Iterable<String> caseIds, Map<String, float[]> vectors, double scale) {
        List<float[]> known = new ArrayList<>();
        for (String id : caseIds) {
            float[] v = vectors.get(id);
            if (v != null) {
                known.add(v);
            }
        }
        for (float[] v : known) {
            for (int d = 0; d < q.length; d++) {
                q[d] += scale * v[d] / known.size();
            }
        }
        return !known.isEmpty();
    }

    /** The cosine of a vector to a unit vector of its length, without a copy. */
    private static double cosine(float[] v, float[] unit) {
        double dot = 0;
        double sq = 0;
        for (int d = 0; d < v.length; d++) {
            dot += (double) v[d] * unit[d];
            sq += (double) v[d] * v[d];
        }
        return sq == 0 ? 0 : dot / Math.sqrt(sq);
    }

    private static RankedCandidate rescore(RankedCandidate r, double score, String why) {
        return new RankedCandidate(r.candidate(), score, r.contribution() + "; " + why);
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "DenseFeedback[%s, λ=%.2f, m=%d, threshold=%.2f, %d judged tasks]",
                base.name(),
                weight,
                neighbours,
                threshold,
                memory.tasks().size());
    }
}
