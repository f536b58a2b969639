package dev.engram.retriever.ranking;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The ranker half of a tenant's retriever policy: which ranker composes the final order and with
 * which parameters. It is published with the query-side adapter as one versioned artefact, gated,
 * pinned and rolled back with it; {@link RankerFactory} turns it into a {@link dev.engram.memory.Ranker}.
 *
 * <pre>{@code
 * RankerPolicy policy = RankerPolicy.untuned()
 *         .withFusion(fit.weight())             // base: score fusion at the fitted w
 *         .withReuse(0.5, 5, 0.75);             // plus judged-case reuse
 * String json = policy.toJson();
 * RankerPolicy back = RankerPolicy.fromJson(json);
 * }</pre>
 *
 * <p>Every parameter is always present, in use or not, so that a policy's JSON is complete and a
 * stage can be switched on without inventing its parameters. Reading JSON rejects unknown and
 * missing fields: a node that skipped a field it does not know would serve a different ranker than
 * the one the gate measured. The exceptions: a policy written before {@code feedback},
 * {@code feedbackWeight} and {@code reuseWeighting} existed reads with feedback off and reuse
 * weighted by similarity share, and one written before {@code expansion} and
 * {@code expansionWeight} existed reads with expansion off, and one written before {@code reusePower},
 * {@code reuseUselessWeight} and {@code reuseTextWeight} existed reads with {@link ReuseShape#LINEAR}:
 * the ranker it was measured as.
 *
 * @param base the first ranking stage: {@link Base#RRF} (untuned) or {@link Base#SCORE_FUSION}
 * @param fusionWeight the BM25 weight {@code w} of score fusion, in [0, 1] (default 0.5)
 * @param feedback whether {@link DenseFeedback} re-scores the base's candidates by their cosine to the
 *     query moved towards the judged-useful cases of similar tasks (default off); it consults the
 *     same similar tasks as reuse ({@code reuseNeighbours}, {@code reuseThreshold})
 * @param feedbackWeight λ, the feedback cosine's share of the score, in [0, 1] (default 0.5)
 * @param reuse whether {@link JudgedCaseReuse} adjusts the base's order (default off)
 * @param reuseBeta how far a unanimous verdict of similar tasks moves a case, in units of the base's
 *     scaled range, >= 0 (default 0.5)
 * @param reuseNeighbours how many similar past tasks reuse consults at most, >= 1 (default 5)
 * @param reuseThreshold the least cosine of a past task to the query to be consulted, in (0, 1]
 *     (default 0.75)
 * @param reuseWeighting how reuse weighs the similar tasks' verdicts (default
 *     {@link ReuseWeighting#SIMILARITY_SHARE}; a policy written before the field existed reads as that)
 * @param reusePower the power on a similar task's closeness under {@link ReuseWeighting#CLOSENESS}, > 0
 *     (default 1: linear; see {@link ReuseShape})
 * @param reuseUselessWeight how much a useless verdict counts against a useful one, in [0, 1] (default 1)
 * @param reuseTextWeight the share of the task texts' word overlap in the similarity of two tasks, in
 *     [0, 1) (default 0: the query vectors' cosine alone)
 * @param selector whether {@link SelectorBlend} blends in the case selector (default off)
 * @param selectorBlend the selector's weight on a task it was trained on, in [0, 1] (default 0.5)
 * @param selectorThreshold the closeness to the trained tasks below which the selector has no weight,
 *     in [−1, 1) (default 0.8)
 * @param expansion whether {@link TaskExpansion} moves candidates by how well the query matches the
 *     texts of the past tasks that judged them, after reuse (default off)
 * @param expansionWeight γ, how far a full match moves a case, in units of the base's scaled range,
 *     >= 0 (default 1.0)
 */
public record RankerPolicy(
        Base base,
        double fusionWeight,
        boolean feedback,
        double feedbackWeight,
        boolean reuse,
        double reuseBeta,
        int reuseNeighbours,
        double reuseThreshold,
        ReuseWeighting reuseWeighting,
        double reusePower,
        double reuseUselessWeight,
        double reuseTextWeight,
        boolean selector,
        double selectorBlend,
        double selectorThreshold,
        boolean expansion,
        double expansionWeight) {

    /** The first ranking stage. */
    public enum Base {
        /** Reciprocal rank fusion of the two lists: the untuned ranker. */
        @JsonProperty("rrf")
        RRF,
        /** {@link ScoreFusion} at {@code fusionWeight}. */
        @JsonProperty("fusion")
        SCORE_FUSION
    }

    /** How {@link JudgedCaseReuse} weighs the verdicts of the similar tasks it found. */
    public enum ReuseWeighting {
        /** Each task by its share of the found tasks' summed cosine: the weights always sum to 1. */
        @JsonProperty("share")
        SIMILARITY_SHARE,
        /**
         * Each task by its closeness above the threshold, {@code (cos − threshold) / (1 − threshold)}, so a
         * task just above the threshold barely counts; a task asked again finds its own verdicts, which
         * move its cases by the full range.
         */
        @JsonProperty("closeness")
        CLOSENESS
    }

    public static final double DEFAULT_FUSION_WEIGHT = 0.5;
    public static final double DEFAULT_FEEDBACK_WEIGHT = 0.5;
    public static final double DEFAULT_REUSE_BETA = 0.5;
    public static final int DEFAULT_REUSE_NEIGHBOURS = 5;
    public static final double DEFAULT_REUSE_THRESHOLD = 0.75;
    public static final double DEFAULT_SELECTOR_BLEND = 0.5;
    public static final double DEFAULT_SELECTOR_THRESHOLD = 0.8;
    public static final double DEFAULT_EXPANSION_WEIGHT = 1.0;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public RankerPolicy {
        if (base == null) {
            throw new IllegalArgumentException("rankerPolicy.base is required (rrf or fusion)");
        }
        if (!(fusionWeight >= 0 && fusionWeight <= 1)) {
            throw new IllegalArgumentException("rankerPolicy.fusionWeight must be in [0, 1], was " + fusionWeight);
        }
        if (!(feedbackWeight >= 0 && feedbackWeight <= 1)) {
            throw new IllegalArgumentException("rankerPolicy.feedbackWeight must be in [0, 1], was " + feedbackWeight);
        }
        if (reuseWeighting == null) {
            throw new IllegalArgumentException("rankerPolicy.reuseWeighting is required (share or closeness)");
        }
        if (!(reuseBeta >= 0) || Double.isInfinite(reuseBeta)) {
            throw new IllegalArgumentException("rankerPolicy.reuseBeta must be >= 0 and finite, was " + reuseBeta);
        }
        if (reuseNeighbours < 1) {
            throw new IllegalArgumentException("rankerPolicy.reuseNeighbours must be >= 1, was " + reuseNeighbours);
        }
        if (!(reuseThreshold > 0 && reuseThreshold <= 1)) {
            throw new IllegalArgumentException("rankerPolicy.reuseThreshold must be in (0, 1], was " + reuseThreshold);
        }
        if (!(reusePower > 0) || Double.isInfinite(reusePower)) {
            throw new IllegalArgumentException("rankerPolicy.reusePower must be > 0 and finite, was " + reusePower);
        }
        if (!(reuseUselessWeight >= 0 && reuseUselessWeight <= 1)) {
            throw new IllegalArgumentException(
                    "rankerPolicy.reuseUselessWeight must be in [0, 1], was " + reuseUselessWeight);
        }
        if (!(reuseTextWeight >= 0 && reuseTextWeight < 1)) {
            throw new IllegalArgumentException(
                    "rankerPolicy.reuseTextWeight must be in [0, 1), was " + reuseTextWeight);
        }
        if (!(selectorBlend >= 0 && selectorBlend <= 1)) {
            throw new IllegalArgumentException("rankerPolicy.selectorBlend must be in [0, 1], was " + selectorBlend);
        }
        if (!(selectorThreshold >= -1 && selectorThreshold < 1)) {
            throw new IllegalArgumentException(
                    "rankerPolicy.selectorThreshold must be in [-1, 1), was " + selectorThreshold);
        }
        if (!(expansionWeight >= 0) || Double.isInfinite(expansionWeight)) {
            throw new IllegalArgumentException(
                    "rankerPolicy.expansionWeight must be >= 0 and finite, was " + expansionWeight);
        }
    }

    /** Reciprocal rank fusion alone, every other parameter at its default: what a new tenant serves. */
    public static RankerPolicy untuned() {
        return new RankerPolicy(
                Base.RRF,
                DEFAULT_FUSION_WEIGHT,
                false,
                DEFAULT_FEEDBACK_WEIGHT,
                false,
                DEFAULT_REUSE_BETA,
                DEFAULT_REUSE_NEIGHBOURS,
                DEFAULT_REUSE_THRESHOLD,
                ReuseWeighting.SIMILARITY_SHARE,
                ReuseShape.LINEAR.power(),
                ReuseShape.LINEAR.uselessWeight(),
                ReuseShape.LINEAR.textWeight(),
                false,
                DEFAULT_SELECTOR_BLEND,
                DEFAULT_SELECTOR_THRESHOLD,
                false,
                DEFAULT_EXPANSION_WEIGHT);
    }

    /**
     * The policy a tuning round proposes for a tenant with judged feedback, before its similar-task
     * search is fitted ({@link ReuseFit}): reciprocal rank fusion, then judged-case reuse weighted by
     * closeness. It measured best on new tasks with {@code engram eval} on Cranfield (see the README);
     * dense feedback added about a point on recurring tasks there but lost about as much on new ones,
     * so it is not proposed. The node's gate measures the fitted policy on held-out tasks before it
     * serves.
     */
    public static RankerPolicy proposed() {
        return untuned()
                .withReuseWeighting(ReuseWeighting.CLOSENESS)
                .withReuse(DEFAULT_REUSE_BETA, DEFAULT_REUSE_NEIGHBOURS, DEFAULT_REUSE_THRESHOLD);
    }

    /** This policy with score fusion at BM25 weight {@code w} as its base. */
    public RankerPolicy withFusion(double w) {
        return edit(d -> {
            d.base = Base.SCORE_FUSION;
            d.fusionWeight = w;
        });
    }

    /** This policy with reciprocal rank fusion as its base (the fusion weight is kept, unused). */
    public RankerPolicy withRrf() {
        return edit(d -> d.base = Base.RRF);
    }

    /** This policy with dense feedback on at weight λ (it consults the similar tasks reuse is set to find). */
    public RankerPolicy withFeedback(double weight) {
        return edit(d -> {
            d.feedback = true;
            d.feedbackWeight = weight;
        });
    }

    /** This policy with dense feedback off (its weight kept). */
    public RankerPolicy withoutFeedback() {
        return edit(d -> d.feedback = false);
    }

    /** This policy with judged-case reuse on, at the given parameters (the weighting kept). */
    public RankerPolicy withReuse(double beta, int neighbours, double threshold) {
        return edit(d -> {
            d.reuse = true;
            d.reuseBeta = beta;
            d.reuseNeighbours = neighbours;
            d.reuseThreshold = threshold;
        });
    }

    /** This policy with reuse weighing the similar tasks' verdicts by {@code weighting}. */
    public RankerPolicy withReuseWeighting(ReuseWeighting weighting) {
        return edit(d -> d.reuseWeighting = weighting);
    }

    /** This policy with reuse's verdicts shaped by {@code shape} (reuse on or off as it was). */
    public RankerPolicy withReuseShape(ReuseShape shape) {
        Objects.requireNonNull(shape, "reuseShape is required (ReuseShape.LINEAR for reuse as first proposed)");
        return edit(d -> {
            d.reusePower = shape.power();
            d.reuseUselessWeight = shape.uselessWeight();
            d.reuseTextWeight = shape.textWeight();
        });
    }

    /** How reuse weighs and finds the similar tasks beyond β, neighbours and threshold. */
    public ReuseShape reuseShape() {
        return new ReuseShape(reusePower, reuseUselessWeight, reuseTextWeight);
    }

    /** This policy with judged-case reuse off (its parameters kept). */
    public RankerPolicy withoutReuse() {
        return edit(d -> d.reuse = false);
    }

    /** This policy with the selector blend on, at the given parameters. */
    public RankerPolicy withSelector(double blend, double threshold) {
        return edit(d -> {
            d.selector = true;
            d.selectorBlend = blend;
            d.selectorThreshold = threshold;
        });
    }

    /** This policy with the selector blend off (its parameters kept). */
    public RankerPolicy withoutSelector() {
        return edit(d -> d.selector = false);
    }

    /** This policy with task expansion on at weight γ (after reuse, before the selector). */
    public RankerPolicy withExpansion(double weight) {
        return edit(d -> {
            d.expansion = true;
            d.expansionWeight = weight;
        });
    }

    /** This policy with task expansion off (its weight kept). */
    public RankerPolicy withoutExpansion() {
        return edit(d -> d.expansion = false);
    }

    /** A copy with some fields changed: the one place that lists every field in order. */
    private RankerPolicy edit(Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return new RankerPolicy(
                d.base,
                d.fusionWeight,
                d.feedback,
                d.feedbackWeight,
                d.reuse,
                d.reuseBeta,
                d.reuseNeighbours,
                d.reuseThreshold,
                d.reuseWeighting,
                d.reusePower,
                d.reuseUselessWeight,
                d.reuseTextWeight,
                d.selector,
                d.selectorBlend,
                d.selectorThreshold,
                d.expansion,
                d.expansionWeight);
    }

    /** The fields of a policy being copied, mutable until {@link #edit} validates them as a policy. */
    private static final class Draft {
        Base base;
        double fusionWeight;
        boolean feedback;
        double feedbackWeight;
        boolean reuse;
        double reuseBeta;
        int reuseNeighbours;
        double reuseThreshold;
        ReuseWeighting reuseWeighting;
        double reusePower;
        double reuseUselessWeight;
        double reuseTextWeight;
        boolean selector;
        double selectorBlend;
        double selectorThreshold;
        boolean expansion;
        double expansionWeight;

        Draft(RankerPolicy p) {
            base = p.base;
            fusionWeight = p.fusionWeight;
            feedback = p.feedback;
            feedbackWeight = p.feedbackWeight;
            reuse = p.reuse;
            reuseBeta = p.reuseBeta;
            reuseNeighbours = p.reuseNeighbours;
            reuseThreshold = p.reuseThreshold;
            reuseWeighting = p.reuseWeighting;
            reusePower = p.reusePower;
            reuseUselessWeight = p.reuseUselessWeight;
            reuseTextWeight = p.reuseTextWeight;
            selector = p.selector;
            selectorBlend = p.selectorBlend;
            selectorThreshold = p.selectorThreshold;
            expansion = p.expansion;
            expansionWeight = p.expansionWeight;
        }
    }

    /** The policy as JSON, every field present. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write ranker policy " + this + " as JSON", e);
        }
    }

    /**
     * Reads a policy written by {@link #toJson()}.
     *
     * @throws IllegalArgumentException when the JSON is malformed, lacks a field, has an unknown one,
     *     or a value is out of range; the message names the field
     */
    public static RankerPolicy fromJson(String json) {
        if (json == null) {
            throw new IllegalArgumentException("ranker policy JSON is required");
        }
        try {
            JsonNode tree = JSON.readTree(json);
            if (tree instanceof ObjectNode fields) {
                // written before feedback and reuse weighting existed: measured and gated without them
                fields.putIfAbsent("feedback", BooleanNode.FALSE);
                fields.putIfAbsent("feedbackWeight", DoubleNode.valueOf(DEFAULT_FEEDBACK_WEIGHT));
                fields.putIfAbsent("reuseWeighting", TextNode.valueOf("share"));
                // written before task expansion existed: measured and gated without it
                fields.putIfAbsent("expansion", BooleanNode.FALSE);
                fields.putIfAbsent("expansionWeight", DoubleNode.valueOf(DEFAULT_EXPANSION_WEIGHT));
                // written before reuse's shape existed: linear closeness, both verdicts alike, cosine only
                fields.putIfAbsent("reusePower", DoubleNode.valueOf(ReuseShape.LINEAR.power()));
                fields.putIfAbsent("reuseUselessWeight", DoubleNode.valueOf(ReuseShape.LINEAR.uselessWeight()));
                fields.putIfAbsent("reuseTextWeight", DoubleNode.valueOf(ReuseShape.LINEAR.textWeight()));
            }
            return JSON.treeToValue(tree, RankerPolicy.class);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause();
            throw new IllegalArgumentException(
                    "invalid ranker policy: " + (cause != null ? cause.getMessage() : e.getOriginalMessage()), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid ranker policy JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A short description for logs and the console, e.g. {@code "fusion w 0.35 + reuse β 0.50 m 5 ≥ 0.75"}. */
    public String describe() {
        StringBuilder sb =
                new StringBuilder(base == Base.RRF ? "rrf" : String.format(Locale.ROOT, "fusion w %.2f", fusionWeight));
        if (feedback) {
            sb.append(String.format(Locale.ROOT, " + feedback λ %.2f", feedbackWeight));
        }
        if (reuse) {
            sb.append(String.format(
                    Locale.ROOT, " + reuse β %.2f m %d ≥ %.2f", reuseBeta, reuseNeighbours, reuseThreshold));
            if (reuseWeighting == ReuseWeighting.CLOSENESS) {
                sb.append(" by closeness");
            }
            if (!reuseShape().equals(ReuseShape.LINEAR)) {
                sb.append(' ').append(reuseShape().describe());
            }
        }
        if (expansion) {
            sb.append(String.format(Locale.ROOT, " + expansion γ %.2f", expansionWeight));
        }
        if (selector) {
            sb.append(String.format(Locale.ROOT, " + selector blend %.2f ≥ %.2f", selectorBlend, selectorThreshold));
        }
        return sb.toString();
    }
}
