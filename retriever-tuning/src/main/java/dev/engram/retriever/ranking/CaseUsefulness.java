package dev.engram.retriever.ranking;

import java.util.List;

/**
 * A learned case-selection policy Q(s, c) as a ranker consumes it: for a task vector and case
 * vectors, the probability that each case helps. {@link dev.engram.retriever.selector.CaseSelector}
 * is one ({@code selector::usefulness}); the ranker does not train it.
 *
 * <p>Implementations must be safe to call from several threads at once (the case selector's scoring
 * is, as long as it is not being trained).
 */
@FunctionalInterface
public interface CaseUsefulness {

    /**
     * Q(s, c) for one task and each case.
     *
     * @param task the task's query vector
     * @param cases the cases' vectors, each of the task's length
     * @return one probability in [0, 1] per case, in order
     */
    float[] usefulness(float[] task, List<float[]> cases);
}
