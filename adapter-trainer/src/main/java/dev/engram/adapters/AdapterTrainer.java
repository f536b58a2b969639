package dev.engram.adapters;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.engram.adapters.internal.AdamW;
import dev.engram.adapters.internal.ArrayOps;
import dev.engram.adapters.internal.GradientCollectorGuard;
import dev.engram.adapters.internal.TrainingCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A training loop that any loss can use: AdamW, warm-up and decay, global-norm clipping, seeded
 * determinism, checkpoint/resume and progress. Each step runs in its own sub-manager (closed after
 * the update) with one {@code GradientCollector}; only one training may run per JVM at a time.
 *
 * <pre>{@code
 * AdapterTrainer trainer = new AdapterTrainer(config, progress -> bar.update(progress), Clock.systemUTC());
 * TrainingResult result = trainer.fit(lora.trainableParameters(), (sm, step) -> {
 *     Batch batch = batches.get((int) (step % batches.size()));
 *     NDArray x = sm.create(batch.inputs(), batch.shape());           // inputs in the step manager
 *     NDArray y = lora.layers().get("encoder.layer.0.attention.self.query").forward(x);
 *     NDArray half = sm.create(0.5f);                                  // a scalar NDArray, not mul(0.5)
 *     return y.sub(sm.create(batch.targets(), y.getShape())).square().mean().mul(half);
 * });
 * }</pre>
 *
 * <p>Determinism: the engine is re-seeded from {@code (seed, step)} before every step (dropout
 * draws from it), so the same seed, data and thread count give the same weights, resumed or not.
 */
public final class AdapterTrainer {

    private final TrainingConfig config;
    private final TrainingListener listener;
    private final Clock clock;
    private volatile boolean stopRequested;

    public AdapterTrainer(TrainingConfig config, TrainingListener listener, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.listener = listener == null ? TrainingListener.NONE : listener;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public AdapterTrainer(TrainingConfig config) {
        this(config, TrainingListener.NONE, Clock.systemUTC());
    }

    /** Asks a running {@link #fit} to stop after the current step (and write a checkpoint). */
    public void requestStop() {
        stopRequested = true;
    }

    /** Who is training in this JVM now, or null. */
    public static String activeTraining() {
        return GradientCollectorGuard.holder();
    }

    /**
     * Trains {@code params} on {@code lossStep} from step 0, or from the checkpoint in
     * {@link TrainingConfig#checkpointDir()} when there is one, to {@code totalSteps} (or until
     * {@link #requestStop()}).
     *
     * @throws IllegalStateException when another training runs in this JVM, or the loss or the
     *     gradient stops being finite (the step is not applied)
     */
    public TrainingResult fit(List<TrainableParameter> params, LossStep lossStep) throws IOException {
        Objects.requireNonNull(lossStep, "lossStep");
        return fit(params, (PartedLossStep) (sm, step, backward) -> {
            NDArray loss = lossStep.loss(sm, step);
            backward.accept(loss);
            // grad mode is per thread and on by default off the engine's loading thread
            try (NoGradScope noGrad = NoGradScope.enter()) {
                return loss.toType(DataType.FLOAT32, false).toFloatArray()[0];
            }
        });
    }

    /**
     * As {@link #fit(List, LossStep)}, for a step computed and backward-ed in parts: the update
     * uses the sum of the parts' gradients, clipped as a whole.
     */
    public TrainingResult fit(List<TrainableParameter> params, PartedLossStep lossStep) throws IOException {
        Objects.requireNonNull(lossStep, "lossStep");
        validate(params);
        stopRequested = false;
        long began = clock.millis();
        try (GradientCollectorGuard guard = GradientCollectorGuard.acquire("AdapterTrainer.fit");
                NDManager root = params.get(0).value().getManager().newSubManager();
                AdamW adam = new AdamW(params, root)) {
            long start = 0;
            if (config.checkpointDir() != null) {
                try (NoGradScope noGrad = NoGradScope.enter();
                        NDManager scope = root.newSubManager()) {
                    start = TrainingCheckpoint.restore(
                            config.checkpointDir(), config.seed(), config.totalSteps(), params, adam, scope);
                }
            }
            Engine engine = root.getEngine();
            long step = start;
            double lastLoss = Double.NaN;
            boolean stopped = false;
            while (step < config.totalSteps()) {
                if (stopRequested) {
                    stopped = true;
                    break;
                }
                engine.setRandomSeed(stepSeed(config.seed(), step));
                double gradNorm;
                double lr = config.learningRate()
                        * config.schedule().factor(step, config.warmupSteps(), config.totalSteps());
                try (NDManager sm = root.newSubManager()) {
                    long at = step;
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        lastLoss = lossStep.loss(sm, step, loss -> {
                            if (loss == null || loss.getShape().size() != 1) {
                                throw new IllegalArgumentException("the loss must be a scalar, was "
                                        + (loss == null ? "null" : loss.getShape()) + " at step " + at);
                            }
                            collector.backward(loss);
                        });
                    }
                    // grad mode is per thread and on by default off the engine's loading thread;
                    // the optimiser's in-place updates need it off
                    try (NoGradScope noGrad = NoGradScope.enter()) {
                        gradNorm = update(params, adam, lr, step, lastLoss, sm);
                    }
                }
                step++;
                report(step, start, began, lastLoss, lr, gradNorm);
                if (config.checkpointDir() != null
                        && config.checkpointEvery() > 0
                        && step % config.checkpointEvery() == 0
                        && step < config.totalSteps()) {
                    checkpoint(step, params, adam);
                }
            }
            if (config.checkpointDir() != null && step > start) {
                checkpoint(step, params, adam);
            }
            return new TrainingResult(step, stopped, lastLoss, start, Duration.ofMillis(clock.millis() - began));
        }
    }

    /** Clips, applies AdamW and zeroes the gradients; returns the norm before clipping. */
    private double update(
            List<TrainableParameter> params, AdamW adam, double lr, long step, double loss, NDManager sm) {
        NDArray[] grads = new NDArray[params.size()];
        double sumSquares = 0;
        for (int i = 0; i < grads.length; i++) {
            grads[i] = ArrayOps.in(sm, params.get(i).value().getGradient());
            sumSquares += grads[i].square().sum().toFloatArray()[0];
        }
        double gradNorm = Math.sqrt(sumSquares);
        if (!Double.isFinite(loss) || !Double.isFinite(gradNorm)) {
            AdamW.zeroGradients(params, grads);
            throw new IllegalStateException("training diverged at step " + step + ": loss " + loss + ", gradient norm "
                    + gradNorm + " (lower the learning rate or check the inputs)");
        }
        if (config.maxGradNorm() > 0 && gradNorm > config.maxGradNorm()) {
            float coef = (float) (config.maxGradNorm() / (gradNorm + 1e-6));
            for (NDArray g : grads) {
                g.muli(coef);
            }
        }
        adam.update(grads, lr, config.weightDecay(), config.beta1(), config.beta2(), config.epsilon(), step + 1, sm);
        AdamW.zeroGradients(params, grads);
        return gradNorm;
    }

    private void checkpoint(long step, List<TrainableParameter> params, AdamW adam) throws IOException {
        Path file = TrainingCheckpoint.write(
                config.checkpointDir(), step, config.seed(), config.totalSteps(), params, adam);
        listener.onCheckpoint(step, file);
    }

    private void report(long step, long start, long began, double loss, double lr, double gradNorm) {
        long elapsedMs = Math.max(1, clock.millis() - began);
        long done = step - start;
        double perStepMs = (double) elapsedMs / done;
        double examplesPerSecond = done * (double) config.batchSize() * 1000 / elapsedMs;
        Duration eta = Duration.ofMillis((long) (perStepMs * (config.totalSteps() - step)));
        listener.onProgress(
                new TrainingProgress(step, config.totalSteps(), loss, lr, gradNorm, examplesPerSecond, eta));
    }

    static int stepSeed(long seed, long step) {
        long h = (seed ^ 0x5DEECE66DL) * 0x9E3779B97F4A7C15L + step;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32)) & Integer.MAX_VALUE;
    }

    private static void validate(List<TrainableParameter> params) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException("nothing to train: the parameter list is empty");
        }
        Set<String> names = new HashSet<>();
        for (TrainableParameter p : params) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("parameter name " + p.name() + " appears twice");
            }
            if (!p.value().hasGradient()) {
                throw new IllegalArgumentException(
                        "parameter " + p.name() + " has no gradient attached" + " (call setRequiresGradient(true))");
            }
        }
    }
}
