package dev.engram.retriever.ranking;

import java.util.List;

/**
 * What {@link ReuseFit} searches, in two stages: first the similar-task search ({@code thresholds}
 * × {@code neighbours} × {@code textWeights}) at the policy's β and shape, then, at the search it
 * found, how the verdicts weigh ({@code betas} × {@code powers} × {@code uselessWeights} ×
 * {@code feedbackWeights}, the last {@link DenseFeedback}'s λ from the same similar tasks). Each list
 * is tried in order; a later value must score strictly better to be chosen over an earlier one that
 * ties, so the first value of each list is the default a tie falls back to. An empty list means the
 * policy's own value.
 *
 * <pre>{@code
 * ReuseFit.fit(policy, untunedRrf, tenant, tasks, judged, ReuseGrid.SEARCH);   // threshold and neighbours only
 * }</pre>
 *
 * @param thresholds the least similarities tried
 * @param neighbours the numbers of neighbours tried
 * @param textWeights the words' shares in the tasks' similarity tried ({@link ReuseShape#textWeight()})
 * @param betas the reuse strengths tried
 * @param powers the closeness powers tried
 * @param uselessWeights the weights of a useless verdict tried
 * @param feedbackWeights dense feedback's λ tried in the second stage, 0 for feedback off
 */
public record ReuseGrid(
        List<Double> thresholds,
        List<Integer> neighbours,
        List<Double> textWeights,
        List<Double> betas,
        List<Double> powers,
        List<Double> uselessWeights,
        List<Double> feedbackWeights) {

    /** The thresholds of the search on the query vectors' cosine. */
    public static final List<Double> THRESHOLDS = List.of(0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9);
    /** The numbers of neighbours tried. */
    public static final List<Integer> NEIGHBOURS = List.of(5, 10, 20);

    /** The similar-task search alone (33 points): threshold and neighbours, the rest as the policy has it. */
    public static final ReuseGrid SEARCH =
            new ReuseGrid(THRESHOLDS, NEIGHBOURS, List.of(), List.of(), List.of(), List.of(), List.of());

    public ReuseGrid {
        thresholds = List.copyOf(thresholds);
        neighbours = List.copyOf(neighbours);
        textWeights = List.copyOf(textWeights);
        betas = List.copyOf(betas);
        powers = List.copyOf(powers);
        uselessWeights = List.copyOf(uselessWeights);
        feedbackWeights = List.copyOf(feedbackWeights);
        if (thresholds.isEmpty() || neighbours.isEmpty()) {
            throw new IllegalArgumentException("reuseGrid.thresholds and reuseGrid.neighbours must not be empty");
        }
    }

    /** This grid with the words' shares {@code weights} in the search stage (and {@code thresholds}). */
    public ReuseGrid withTextWeights(List<Double> weights, List<Double> thresholds) {
        return new ReuseGrid(thresholds, neighbours, weights, betas, powers, uselessWeights, feedbackWeights);
    }

    /** This grid with a second stage over strength, closeness power and useless weight. */
    public ReuseGrid withWeighing(List<Double> betas, List<Double> powers, List<Double> uselessWeights) {
        return new ReuseGrid(thresholds, neighbours, textWeights, betas, powers, uselessWeights, feedbackWeights);
    }

    /** This grid with dense feedback's λ tried in the second stage (0: off). */
    public ReuseGrid withFeedbackWeights(List<Double> weights) {
        return new ReuseGrid(thresholds, neighbours, textWeights, betas, powers, uselessWeights, weights);
    }

    /**
     * How many points the two stages score; {@link ReuseFit} scores the search once more when the
     * weighing it found differs from the policy's.
     */
    public int points() {
        int search = thresholds.size() * neighbours.size() * Math.max(1, textWeights.size());
        int weighing = Math.max(1, betas.size())
                * Math.max(1, powers.size())
                * Math.max(1, uselessWeights.size())
                * Math.max(1, feedbackWeights.size());
        return search + (weighing > 1 ? weighing : 0);
    }
}
