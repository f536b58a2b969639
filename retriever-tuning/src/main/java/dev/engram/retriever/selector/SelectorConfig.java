package dev.engram.retriever.selector;

/**
 * Settings of a {@link CaseSelector}; every default is in {@link #defaults()}.
 *
 * <pre>{@code
 * SelectorConfig config = SelectorConfig.defaults().withEpochs(30).withRerankDepth(20);
 * }</pre>
 *
 * @param hiddenSize width of the MLP's hidden layer (512, AgentFly)
 * @param learningRate AdamW learning rate (1e-3)
 * @param weightDecay AdamW decoupled weight decay (0.01)
 * @param epochs passes over the examples in {@link CaseSelector#fit} (20)
 * @param onlineEpochs passes over new judgements plus the replay sample in {@link CaseSelector#update} (3)
 * @param batchSize examples per step (64)
 * @param replaySize how many earlier examples {@link CaseSelector#update} mixes in at most (512)
 * @param rerankDepth how many of a recall's top cases {@link CaseSelector#rerank} reorders (20)
 * @param blend weight of the selector's probability against the recall's rank in the re-ranking
 *     score {@code blend · p(useful) + (1 − blend) · (1 − (rank − 1) / depth)}; 1 ranks by Q alone (1.0)
 * @param seed seeds initial weights and the order of examples (42)
 */
public record SelectorConfig(
        int hiddenSize,
        double learningRate,
        double weightDecay,
        int epochs,
        int onlineEpochs,
        int batchSize,
        int replaySize,
        int rerankDepth,
        double blend,
        long seed) {

    public SelectorConfig {
        positive(hiddenSize, "hiddenSize");
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException(
                    "selectorConfig.learningRate must be positive and finite, was " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException(
                    "selectorConfig.weightDecay must be >= 0 and finite, was " + weightDecay);
        }
        positive(epochs, "epochs");
        positive(onlineEpochs, "onlineEpochs");
        positive(batchSize, "batchSize");
        if (replaySize < 0) {
            throw new IllegalArgumentException("selectorConfig.replaySize must be >= 0, was " + replaySize);
        }
        positive(rerankDepth, "rerankDepth");
        if (!(blend >= 0 && blend <= 1)) {
            throw new IllegalArgumentException("selectorConfig.blend must be in [0, 1], was " + blend);
        }
    }

    private static void positive(int v, String field) {
        if (v < 1) {
            throw new IllegalArgumentException("selectorConfig." + field + " must be >= 1, was " + v);
        }
    }

    public static SelectorConfig defaults() {
        return new SelectorConfig(512, 1e-3, 0.01, 20, 3, 64, 512, 20, 1.0, 42);
    }

    public SelectorConfig withHiddenSize(int v) {
        return new SelectorConfig(
                v, learningRate, weightDecay, epochs, onlineEpochs, batchSize, replaySize, rerankDepth, blend, seed);
    }

    public SelectorConfig withLearningRate(double v) {
        return new SelectorConfig(
                hiddenSize, v, weightDecay, epochs, onlineEpochs, batchSize, replaySize, rerankDepth, blend, seed);
    }

    public SelectorConfig withEpochs(int v) {
        return new SelectorConfig(
                hiddenSize,
                learningRate,
                weightDecay,
                v,
                onlineEpochs,
                batchSize,
                replaySize,
                rerankDepth,
                blend,
                seed);
    }

    public SelectorConfig withOnlineEpochs(int v) {
        return new SelectorConfig(
                hiddenSize, learningRate, weightDecay, epochs, v, batchSize, replaySize, rerankDepth, blend, seed);
    }

    public SelectorConfig withBatchSize(int v) {
        return new SelectorConfig(
                hiddenSize, learningRate, weightDecay, epochs, onlineEpochs, v, replaySize, rerankDepth, blend, seed);
    }

    public SelectorConfig withReplaySize(int v) {
        return new SelectorConfig(
                hiddenSize, learningRate, weightDecay, epochs, onlineEpochs, batchSize, v, rerankDepth, blend, seed);
    }

    public SelectorConfig withRerankDepth(int v) {
        return new SelectorConfig(
                hiddenSize, learningRate, weightDecay, epochs, onlineEpochs, batchSize, replaySize, v, blend, seed);
    }

    public SelectorConfig withBlend(double v) {
        return new SelectorConfig(
                hiddenSize,
                learningRate,
                weightDecay,
                epochs,
                onlineEpochs,
                batchSize,
                replaySize,
                rerankDepth,
                v,
                seed);
    }

    public SelectorConfig withSeed(long v) {
        return new SelectorConfig(
                hiddenSize,
                learningRate,
                weightDecay,
                epochs,
                onlineEpochs,
                batchSize,
                replaySize,
                rerankDepth,
                blend,
                v);
    }
}
