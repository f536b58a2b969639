package dev.engram.retriever.tuning;

import dev.engram.adapters.LoraConfig;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link ContrastiveTrainer} round. Defaults are in {@link #defaults()}; change them
 * with {@link #builder()}.
 *
 * <pre>{@code
 * TuningConfig config = TuningConfig.builder()
 *         .mode(TuningMode.QUERY_SIDE).epochs(4).batchSize(32).learningRate(5e-4)
 *         .instruction("search aeronautics abstracts: ")
 *         .build();
 * }</pre>
 *
 * @param mode which tower the adapter changes ({@link TuningMode#QUERY_SIDE})
 * @param lora the adapter (r 8, alpha 16, dropout 0.1 on every attention projection)
 * @param epochs passes over the round's examples (4)
 * @param batchSize examples per step; every other example's positive is an in-batch negative (32)
 * @param hardNegativesPerExample mined hard negatives added per example and step, rotating through
 *     the example's list from epoch to epoch (1)
 * @param learningRate AdamW peak learning rate (5e-4)
 * @param weightDecay AdamW decoupled decay (0.01)
 * @param warmupFraction share of the steps spent warming up linearly, then linear decay (0.1)
 * @param maxGradNorm global gradient-norm clip, 0 for none (1.0)
 * @param scale the loss's similarity scale (20)
 * @param replayFraction replayed older examples per new one, sampled from the replay pool (0.5)
 * @param continuation how a round continues from the serving adapter ({@link Continuation#DEFAULT}:
 *     where it starts, which older examples it sees, its learning rate and epochs)
 * @param instruction prepended to every task text, in training and in the tenant's query embedder ("")
 * @param trainingMaxLength word pieces per case text while training in symmetric mode, at most the
 *     encoder's own maximum (128); inference keeps the encoder's maximum
 * @param queryTokensPerPass query-side: word pieces (rows x padded length) that one forward and
 *     backward pass of the query tower may hold; a step whose queries hold more runs in several
 *     passes whose gradients add up to the whole batch's, so a batch of long queries does not keep
 *     every row's activations alive at once; 0 for one pass per step (2,048)
 * @param seed seeds adapter initialisation, example order, replay sampling and dropout (42)
 */
public record TuningConfig(
        TuningMode mode,
        LoraConfig lora,
        int epochs,
        int batchSize,
        int hardNegativesPerExample,
        double learningRate,
        double weightDecay,
        double warmupFraction,
        double maxGradNorm,
        float scale,
        double replayFraction,
        Continuation continuation,
        String instruction,
        int trainingMaxLength,
        int queryTokensPerPass,
        long seed) {

    public TuningConfig {
        Objects.requireNonNull(mode, "tuningConfig.mode is required");
        Objects.requireNonNull(lora, "tuningConfig.lora is required");
        Objects.requireNonNull(continuation, "tuningConfig.continuation is required");
        Objects.requireNonNull(instruction, "tuningConfig.instruction is required (\"\" for none)");
        atLeast(epochs, 1, "epochs");
        atLeast(batchSize, 2, "batchSize");
        atLeast(hardNegativesPerExample, 0, "hardNegativesPerExample");
        atLeast(trainingMaxLength, 8, "trainingMaxLength");
        atLeast(queryTokensPerPass, 0, "queryTokensPerPass");
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException(
                    "tuningConfig.learningRate must be positive and finite, was " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("tuningConfig.weightDecay must be >= 0 and finite, was " + weightDecay);
        }
        if (!(warmupFraction >= 0 && warmupFraction <= 1)) {
            throw new IllegalArgumentException("tuningConfig.warmupFraction must be in [0, 1], was " + warmupFraction);
        }
        if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
            throw new IllegalArgumentException("tuningConfig.maxGradNorm must be >= 0 and finite, was " + maxGradNorm);
        }
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("tuningConfig.scale must be positive and finite, was " + scale);
        }
        if (!(replayFraction >= 0) || Double.isInfinite(replayFraction)) {
            throw new IllegalArgumentException(
                    "tuningConfig.replayFraction must be >= 0 and finite, was " + replayFraction);
        }
        if (continuation.mergesServing() && lora.useDora()) {
            throw new IllegalArgumentException("tuningConfig.continuation " + continuation
                    + " cannot be used with a DoRA adapter (its merged weight cannot be restarted); choose "
                    + Continuation.RETRAIN_FROM_BASE + " or " + Continuation.CONTINUE_LOW_LR);
        }
    }

    private static void atLeast(int v, int min, String field) {
        if (v < min) {
            throw new IllegalArgumentException("tuningConfig." + field + " must be >= " + min + ", was " + v);
        }
    }

    /** The settings listed on each component. */
    public static TuningConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.mode = mode;
        b.lora = lora;
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.hardNegativesPerExample = hardNegativesPerExample;
        b.learningRate = learningRate;
        b.weightDecay = weightDecay;
        b.warmupFraction = warmupFraction;
        b.maxGradNorm = maxGradNorm;
        b.scale = scale;
        b.replayFraction = replayFraction;
        b.continuation = continuation;
        b.instruction = instruction;
        b.trainingMaxLength = trainingMaxLength;
        b.queryTokensPerPass = queryTokensPerPass;
        b.seed = seed;
        return b;
    }

    /** Builder for {@link TuningConfig}; unset fields keep the defaults. */
    public static final class Builder {
        private TuningMode mode = TuningMode.QUERY_SIDE;
        private LoraConfig lora = LoraConfig.builder()
                .r(8)
                .alpha(16)
                .dropout(0.1)
                .targetModules(List.of("query", "key", "value", "attention.output.dense"))
                .baseModelName("sentence-transformers/all-MiniLM-L6-v2")
                .build();
        private int epochs = 4;
        private int batchSize = 32;
        private int hardNegativesPerExample = 1;
        private double learningRate = 5e-4;
        private double weightDecay = 0.01;
        private double warmupFraction = 0.1;
        private double maxGradNorm = 1.0;
        private float scale = MultipleNegativesRankingLoss.DEFAULT_SCALE;
        private double replayFraction = 0.5;
        private Continuation continuation = Continuation.DEFAULT;
        private String instruction = "";
        private int trainingMaxLength = 128;
        private int queryTokensPerPass = 2048;
        private long seed = 42;

        private Builder() {}

        public Builder mode(TuningMode v) {
            mode = v;
            return this;
        }

        public Builder lora(LoraConfig v) {
            lora = v;
            return this;
        }

        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder hardNegativesPerExample(int v) {
            hardNegativesPerExample = v;
            return this;
        }

        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder warmupFraction(double v) {
            warmupFraction = v;
            return this;
        }

        public Builder maxGradNorm(double v) {
            maxGradNorm = v;
            return this;
        }

        public Builder scale(float v) {
            scale = v;
            return this;
        }

        public Builder replayFraction(double v) {
            replayFraction = v;
            return this;
        }

        public Builder continuation(Continuation v) {
            continuation = v;
            return this;
        }

        public Builder instruction(String v) {
            instruction = v;
            return this;
        }

        public Builder trainingMaxLength(int v) {
            trainingMaxLength = v;
            return this;
        }

        public Builder queryTokensPerPass(int v) {
            queryTokensPerPass = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public TuningConfig build() {
            return new TuningConfig(
                    mode,
                    lora,
                    epochs,
                    batchSize,
                    hardNegativesPerExample,
                    learningRate,
                    weightDecay,
                    warmupFraction,
                    maxGradNorm,
                    scale,
                    replayFraction,
                    continuation,
                    instruction,
                    trainingMaxLength,
                    queryTokensPerPass,
                    seed);
        }
    }
}
