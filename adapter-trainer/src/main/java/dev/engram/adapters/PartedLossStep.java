package dev.engram.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.Consumer;

/**
 * One training step whose loss is a sum of parts, each handed to {@code backward} as soon as it is
 * computed: the gradients of the parts add up in the parameters, and each part's activations can be
 * freed before the next part runs (close the sub-manager the part was computed in). This is how a
 * step over a batch of long inputs keeps one slice's activations alive instead of the whole batch's.
 * The same rules as {@link LossStep} hold for every part (scalar, constants as NDArrays).
 *
 * <pre>{@code
 * trainer.fit(params, (sm, step, backward) -> {
 *     double total = 0;
 *     for (Slice slice : slices(step)) {
 *         try (NDManager part = sm.newSubManager()) {
 *             NDArray loss = partLoss(part, slice);       // this slice's share of the step's loss
 *             backward.accept(loss);
 *             total += loss.getFloat();
 *         }
 *     }
 *     return total;
 * });
 * }</pre>
 */
@FunctionalInterface
public interface PartedLossStep {

    /**
     * @param step 0-based global step
     * @param backward runs backward on one part (a scalar); call it once per part
     * @return the step's loss: the sum of its parts' values
     */
    double loss(NDManager stepManager, long step, Consumer<NDArray> backward);
}
