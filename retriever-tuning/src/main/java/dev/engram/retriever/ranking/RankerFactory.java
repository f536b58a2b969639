package dev.engram.retriever.ranking;

import dev.engram.memory.Ranker;
import dev.engram.retriever.ranking.internal.ExpansionIndex;
import dev.engram.retriever.ranking.internal.TaskWords;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Builds a tenant's {@link Ranker} from its {@link RankerPolicy} and what the policy's stages need:
 * the untuned ranker (reciprocal rank fusion, owned by the memory store), the tenant's judged-task
 * memory, and, for the selector blend, its trained case selector. Stages compose in one order:
 * base → dense feedback → judged-case reuse → task expansion → selector blend.
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
    /** The memory's expansion index, built on the first policy with task expansion and kept. */
    private final AtomicReference<ExpansionIndex> expansionIndex;
    /** The memory's task words, built on the first policy whose reuse weighs words, and kept. */
    private final AtomicReference<TaskWords> taskWords;

    private RankerFactory(
            Ranker untuned,
            JudgedTaskMemory judgedTasks,
            TrainedSelector selector,
            AtomicReference<ExpansionIndex> expansionIndex,
            AtomicReference<TaskWords> taskWords) {
        this.taskWords = taskWords;
        this.untuned = untuned;
        this.judgedTasks = judgedTasks;
        this.selector = selector;
        this.expansionIndex = expansionIndex;
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
                null,
                new AtomicReference<>(),
                new AtomicReference<>());
    }

    /** This factory with the tenant's trained selector, for policies with the selector blend on. */
    public RankerFactory withSelector(TrainedSelector selector) {
        Objects.requireNonNull(selector, "selector is required");
        if (!selector.tenant().equals(judgedTasks.tenant())) {
            throw new IllegalArgumentException("the selector is tenant " + selector.tenant()
                    + "'s, the judged tasks are tenant " + judgedTasks.tenant() + "'s");
        }
        return new RankerFactory(untuned, judgedTasks, selector, expansionIndex, taskWords);
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
                    policy.reuseWeighting(),
                    policy.reuseShape(),
                    policy.reuseShape().textWeight() > 0 ? taskWords() : null);
        }
        if (policy.expansion()) {
            ranker = new TaskExpansion(ranker, tenant(), expansionIndex(), policy.expansionWeight());
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

    private TaskWords taskWords() {
        TaskWords words = taskWords.get();
        if (words == null) {
            words = TaskWords.of(
                    judgedTasks.tasks().stream().map(JudgedTask::text).toList());
            if (!taskWords.compareAndSet(null, words)) {
                words = taskWords.get();
            }
        }
        return words;
    }

    private ExpansionIndex expansionIndex() {
        ExpansionIndex index = expansionIndex.get();
        if (index == null) {
            index = TaskExpansion.index(judgedTasks);
            if (!expansionIndex.compareAndSet(null, index)) {
                index = expansionIndex.get();
            }
        }
        return index;
    }
}
