package dev.engram.adapters;

import java.time.Duration;

/**
 * How a training run ended.
 *
 * @param stepsDone global steps done (including those before a resume)
 * @param stoppedEarly true when {@link AdapterTrainer#requestStop()} ended it before the last step
 * @param lastLoss the loss of the last step done (NaN when none ran)
 * @param resumedFromStep the step the run started at (0 when not resumed)
 * @param elapsed wall time of this call
 */
public record TrainingResult(
        long stepsDone, boolean stoppedEarly, double lastLoss, long resumedFromStep, Duration elapsed) {}
