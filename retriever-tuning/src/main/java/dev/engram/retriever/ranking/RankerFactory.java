package dev.engram.retriever.ranking;

import dev.engram.memory.Ranker;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds a tenant's {@link Ranker} from its {@link RankerPolicy} and what the policy's stages need:
 * the untuned ranker (reciprocal rank fusion, owned by the memory store), the tenant's judged-task
 * memory, and, for the selector blend, its trained case selector. Stages compose in one order:
 * base → dense feedback → judged-case reuse → selector blend.
 *
 * <pre>{@code
 * Ranker ranker = RankerFactory.of(untunedRrf, judgedTasks)
 *         .withSelector(new TrainedSelector(tenant, selector::usefulness, trainedTaskVectors))
 *         .build(policy);
 * store.recall(query, ranker);
 * }</pre>
 *
 * <p>Immutable: {@link #withSelector} returns a new factory.
 */
public final class RankerFactory {

    private final Ranker untuned;
    private final JudgedTaskMemory judgedTasks;
    private final TrainedSelector selector;

    private RankerFactory(Ranker untuned, JudgedTaskMemory judgedTasks, TrainedSelector selector) {
        this.untuned = untuned;
        this.judgedTasks = judgedTasks;
        this.selector = selector;
    }

    /**
     * A factory for one tenant.
     *
     * @param untuned the ranker of {@link RankerPolicy.Base#RRF}
     * @param judgedTasks the tenant's judged tasks (may be {@link JudgedTaskMemory#empty})
     */
    public static RankerFactory of(Ranker untuned, JudgedTaskMemory judgedTasks) {
        return new RankerFactory(
                Objects.requireNonNull(untuned, "the untuned ranker is required"),
                Objects.requireNonNull(judgedTasks, "the tenant's judged-task memory is required"),
                null);
    }

    /** This factory with the tenant's trained selector, for policies with the selector blend on. */
    public RankerFactory withSelector(TrainedSelector selector) {
        Objects.requireNonNull(selector, "selector is required");
        if (!selector.tenant().equals(judgedTasks.tenant())) {
            throw new IllegalArgumentException("the selector is tenant " + selector.tenant()
                    + "'s, the judged tasks are tenant " + judgedTasks.tenant() + "'s");
        }
        return new RankerFactory(untuned, judgedTasks, selector);
    }

    /** The tenant whose ranker this factory builds. */
    public String tenant() {
        return judgedTasks.tenant();
    }

    /** The selector given to {@link #withSelector}, if any. */
    public Optional<TrainedSelector> selector() {
        return Optional.ofNullable(selector);
    }

    /**
     * The ranker that {@code policy} describes.
     *
     * @throws IllegalStateException when the policy has the selector blend on and no selector was given
     */
    public Ranker build(RankerPolicy policy) {
        Objects.requireNonNull(policy, "policy is required");
        Ranker ranker = switch (policy.base()) {
            case RRF -> untuned;
            case SCORE_FUSION -> new ScoreFusion(policy.fusionWeight());
        };
        if (policy.feedback()) {
            ranker = new DenseFeedback(
                    ranker, judgedTasks, policy.feedbackWeight(), policy.reuseNeighbours(), policy.reuseThreshold());
        }
        if (policy.reuse()) {
            ranker = new JudgedCaseReuse(
                    ranker,
                    judgedTasks,
                    policy.reuseBeta(),
                    policy.reuseNeighbours(),
                    policy.reuseThreshold(),
                    policy.reuseWeighting());
        }
        if (policy.selector()) {
            if (selector == null) {
                throw new IllegalStateException(
                        "policy '" + policy.describe() + "' blends in the case selector, but tenant " + tenant()
                                + " has no trained selector here; pass it with withSelector(...)");
            }
            ranker = new SelectorBlend(ranker, selector, policy.selectorBlend(), policy.selectorThreshold());
        }
        return ranker;
    }
}
