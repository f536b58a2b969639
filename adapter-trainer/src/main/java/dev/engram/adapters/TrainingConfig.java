package dev.engram.adapters;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of {@link AdapterTrainer}: AdamW (decoupled weight decay, PyTorch semantics), warm-up
 * then {@link LrSchedule}, global-norm clipping, seed, checkpoints.
 *
 * <pre>{@code
 * TrainingConfig c = TrainingConfig.builder().learningRate(1e-3).totalSteps(500).warmupSteps(50)
 *         .schedule(LrSchedule.COSINE).batchSize(32).checkpointDir(dir).checkpointEvery(100).build();
 * }</pre>
 *
 * @param learningRate peak learning rate, positive
 * @param weightDecay AdamW decoupled decay, ≥ 0
 * @param beta1 Adam β₁ in [0, 1)
 * @param beta2 Adam β₂ in [0, 1)
 * @param epsilon Adam ε, positive
 * @param totalSteps steps of the whole run, ≥ 1
 * @param warmupSteps linear warm-up steps, in [0, totalSteps]
 * @param schedule decay after warm-up
 * @param maxGradNorm clip the global gradient norm to this; 0 switches clipping off
 * @param seed seeds dropout and anything else random in the engine (re-seeded every step from
 *     seed and step, so a resumed run draws the same numbers)
 * @param batchSize examples per step, only for the examples/s figure
 * @param checkpointDir where checkpoints go, or null for none; a run resumes from a checkpoint
 *     found there
 * @param checkpointEvery write a checkpoint every this many steps (0: only when stopped or done)
 */
public record TrainingConfig(
        double learningRate,
        double weightDecay,
        double beta1,
        double beta2,
        double epsilon,
        long totalSteps,
        long warmupSteps,
        LrSchedule schedule,
        double maxGradNorm,
        long seed,
        int batchSize,
        Path checkpointDir,
        long checkpointEvery) {

    public TrainingConfig {
        positive("learningRate", learningRate);
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and >= 0, was " + weightDecay);
        }
        unit("beta1", beta1);
        unit("beta2", beta2);
        positive("epsilon", epsilon);
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps must be at least 1, was " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException(
                    "warmupSteps must be in [0, totalSteps=" + totalSteps + "], was " + warmupSteps);
        }
        Objects.requireNonNull(schedule, "schedule must not be null");
        if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
            throw new IllegalArgumentException("maxGradNorm must be finite and >= 0 (0 = off), was " + maxGradNorm);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("checkpointEvery must be >= 0, was " + checkpointEvery);
        }
    }

    private static void positive(String field, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(field + " must be positive and finite, was " + v);
        }
    }

    private static void unit(String field, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1), was " + v);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; defaults: lr 1e-3, weight decay 0.01, β (0.9, 0.999), ε 1e-8, 100 steps, no warm-up, linear, clip 1.0, seed 42, batch 1. */
    public static final class Builder {
        private double learningRate = 1e-3;
        private double weightDecay = 0.01;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double epsilon = 1e-8;
        private long totalSteps = 100;
        private long warmupSteps;
        private LrSchedule schedule = LrSchedule.LINEAR;
        private double maxGradNorm = 1.0;
        private long seed = 42;
        private int batchSize = 1;
        private Path checkpointDir;
        private long checkpointEvery;

        private Builder() {}

        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder betas(double b1, double b2) {
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        public Builder epsilon(double v) {
            epsilon = v;
            return this;
        }

        public Builder totalSteps(long v) {
            totalSteps = v;
            return this;
        }

        public Builder warmupSteps(long v) {
            warmupSteps = v;
            return this;
        }

        public Builder schedule(LrSchedule v) {
            schedule = v;
            return this;
        }

        public Builder maxGradNorm(double v) {
            maxGradNorm = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder checkpointDir(Path v) {
            checkpointDir = v;
            return this;
        }

        public Builder checkpointEvery(long v) {
            checkpointEvery = v;
            return this;
        }

        public TrainingConfig build() {
            return new TrainingConfig(
                    learningRate,
                    weightDecay,
                    beta1,
                    beta2,
                    epsilon,
                    totalSteps,
                    warmupSteps,
                    schedule,
                    maxGradNorm,
                    seed,
                    batchSize,
                    checkpointDir,
                    checkpointEvery);
        }
    }
}
