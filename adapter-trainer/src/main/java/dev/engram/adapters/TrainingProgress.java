package dev.engram.adapters;

import java.time.Duration;

/**
 * Where a training run stands after a step.
 *
 * @param step steps done (1-based: 1 after the first step)
 * @param totalSteps steps the run will do
 * @param loss this step's loss
 * @param learningRate the peak-relative learning rate used in this step (before LoRA+ factors)
 * @param gradNorm global gradient norm before clipping
 * @param examplesPerSecond throughput of this run so far
 * @param eta estimated time to the end
 */
public record TrainingProgress(
        long step,
        long totalSteps,
        double loss,
        double learningRate,
        double gradNorm,
        double examplesPerSecond,
        Duration eta) {

    /** Fraction done, in [0, 1]. */
    public double fraction() {
        return totalSteps == 0 ? 1 : (double) step / totalSteps;
    }
}
