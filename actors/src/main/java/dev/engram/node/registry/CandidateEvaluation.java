package dev.engram.node.registry;

import dev.engram.retriever.eval.PairedTest;
import java.util.Optional;

/**
 * The gate's own measurement of a candidate version against the version serving now: both run as
 * the node would serve them (real recalls on the node's case store, each with its adapter and its
 * ranker policy) on the tenant's held-out tasks, compared per task with a paired test. When it has
 * nothing to say (no held-out task yet, a BM25-only node), the gate falls back to the figures the
 * worker published.
 */
@FunctionalInterface
public interface CandidateEvaluation {

    /**
     * The paired test of {@code candidate} against {@code serving} (per held-out task nDCG@10), or
     * empty when the tenant has no held-out task to score on. The gate applies its margins to it.
     */
    Optional<PairedTest> evaluate(ServingAdapter candidate, ServingAdapter serving);
}
