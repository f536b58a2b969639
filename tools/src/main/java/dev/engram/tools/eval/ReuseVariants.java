package dev.engram.tools.eval;

import dev.engram.retriever.ranking.ReuseGrid;
import java.util.List;
import java.util.Map;

/**
 * The variants of the proposed policy's reuse that {@code engram eval} measures beside it, each
 * fitted leave-one-out on the feedback tasks over its own {@link ReuseGrid} (the proposed policy's
 * is {@link ReuseGrid#SEARCH}): a fitted strength β, a fitted weighing of the verdicts (β, the
 * closeness power and the useless verdicts' weight), the tasks' words in their similarity, both, and
 * dense feedback at a fitted λ (off included).
 */
final class ReuseVariants {

    private ReuseVariants() {}

    /** β tried, the default first. */
    static final List<Double> BETAS = List.of(0.5, 0.25, 1.0, 2.0);
    /** Closeness powers tried, linear first. */
    static final List<Double> POWERS = List.of(1.0, 0.5, 2.0, 3.0);
    /** Weights of a useless verdict tried, "alike" first. */
    static final List<Double> USELESS = List.of(1.0, 0.5, 0.0);
    /** Words' shares of the tasks' similarity tried, none first. */
    static final List<Double> TEXT_WEIGHTS = List.of(0.0, 0.2, 0.4);
    /** With words in the similarity its values spread lower than the cosine's: the thresholds reach down. */
    static final List<Double> HYBRID_THRESHOLDS =
            List.of(0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9);

    /** Dense feedback's λ tried, off first. */
    static final List<Double> FEEDBACK_WEIGHTS = List.of(0.0, 0.1, 0.2, 0.3, 0.5);

    /** Each variant's grid, by its row. */
    static final Map<EvalSystem, ReuseGrid> GRIDS = Map.of(
            EvalSystem.PROPOSED_STRENGTH,
            ReuseGrid.SEARCH.withWeighing(BETAS, List.of(), List.of()),
            EvalSystem.PROPOSED_WEIGHING,
            ReuseGrid.SEARCH.withWeighing(BETAS, POWERS, USELESS),
            EvalSystem.PROPOSED_WORDS,
            ReuseGrid.SEARCH.withTextWeights(TEXT_WEIGHTS, HYBRID_THRESHOLDS),
            EvalSystem.PROPOSED_WORDS_WEIGHING,
            ReuseGrid.SEARCH.withTextWeights(TEXT_WEIGHTS, HYBRID_THRESHOLDS).withWeighing(BETAS, POWERS, USELESS),
            EvalSystem.PROPOSED_FITTED_FEEDBACK,
            ReuseGrid.SEARCH.withFeedbackWeights(FEEDBACK_WEIGHTS));
}
