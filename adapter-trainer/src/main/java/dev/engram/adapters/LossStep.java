package dev.engram.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * One training step's loss, computed by the caller's model. Create every input in
 * {@code stepManager} (it is closed after the optimiser update); return a scalar (shape [] or
 * [1]). Do not use {@code NDArray.mul/div/pow/maximum/minimum(Number)} on anything that takes
 * part in the gradient: multiply by a scalar NDArray created in {@code stepManager} instead (see
 * DESIGN.md, DJL pitfall 1). Choose the batch from {@code step} so that a resumed run sees the
 * same batches.
 */
@FunctionalInterface
public interface LossStep {

    /** @param step 0-based global step */
    NDArray loss(NDManager stepManager, long step);
}
