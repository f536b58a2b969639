package dev.engram.retriever.tuning;

import java.time.Duration;

/**
 * Where a tuning round stands.
 *
 * @param tenant whose adapter is being trained
 * @param phase {@code "embedding cases"}, {@code "training"} or {@code "done"}
 * @param step steps done in this phase
 * @param totalSteps steps the phase will take
 * @param loss the latest step's loss (NaN outside training)
 * @param eta estimated time to the end of the phase
 */
public record TuningProgress(String tenant, String phase, long step, long totalSteps, double loss, Duration eta) {

    /** Fraction of the phase done, in [0, 1]. */
    public double fraction() {
        return totalSteps == 0 ? 1 : Math.min(1, (double) step / totalSteps);
    }
}
