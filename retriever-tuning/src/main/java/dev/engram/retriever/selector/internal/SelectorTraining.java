package dev.engram.retriever.selector.internal;

import dev.engram.adapters.AdapterTrainer;
import dev.engram.adapters.LossStep;
import dev.engram.adapters.LrSchedule;
import dev.engram.adapters.TrainableParameter;
import dev.engram.adapters.TrainingConfig;
import dev.engram.retriever.selector.SelectorConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;

/** Runs the case selector's optimisation through the LoRA core's training loop (AdamW, one collector per JVM). */
public final class SelectorTraining {

    private SelectorTraining() {}

    /**
     * Trains for {@code steps} steps at a constant learning rate with 10% warm-up.
     *
     * @return the mean loss of the last {@code min(steps, stepsPerEpoch)} steps
     */
    public static double run(
            List<TrainableParameter> params, SelectorConfig config, int steps, int stepsPerEpoch, LossStep loss) {
        TrainingConfig training = TrainingConfig.builder()
                .learningRate(config.learningRate())
                .weightDecay(config.weightDecay())
                .totalSteps(steps)
                .warmupSteps(steps / 10)
                .schedule(LrSchedule.CONSTANT)
                .maxGradNorm(5.0)
                .seed(config.seed())
                .batchSize(config.batchSize())
                .build();
        int window = Math.max(1, Math.min(steps, stepsPerEpoch));
        double[] recent = new double[window];
        int[] filled = {0};
        AdapterTrainer trainer = new AdapterTrainer(
                training,
                p -> {
                    recent[(int) ((p.step() - 1) % window)] = p.loss();
                    filled[0] = (int) Math.min(window, p.step());
                },
                Clock.systemUTC());
        try {
            trainer.fit(params, loss);
        } catch (IOException e) {
            throw new UncheckedIOException("case selector training failed", e);
        }
        double sum = 0;
        for (int i = 0; i < filled[0]; i++) {
            sum += recent[i];
        }
        return filled[0] == 0 ? Double.NaN : sum / filled[0];
    }
}
