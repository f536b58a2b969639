package dev.engram.agentmodel;

/**
 * How successful episodes become supervised examples ({@link EpisodeExamples}).
 *
 * <pre>{@code
 * ExampleConfig c = ExampleConfig.builder().minReward(0.8).maxPositives(2).maxPromptTokens(384).build();
 * }</pre>
 *
 * @param minReward an episode is successful, and trained on, when its reward is at least this, in
 *     [0, 1] (default 0.8)
 * @param maxPositives at most this many recalled cases that the agent judged useful go into the
 *     prompt, in recall order, ≥ 0 (default 2)
 * @param maxPromptTokens a longer prompt keeps its first token (the model's BOS) and its last
 *     {@code maxPromptTokens - 1}, ≥ 8 (default 384)
 * @param maxTargetTokens a longer plan is cut to this many tokens, ≥ 1 (default 128)
 */
public record ExampleConfig(double minReward, int maxPositives, int maxPromptTokens, int maxTargetTokens) {

    public ExampleConfig {
        if (!(minReward >= 0 && minReward <= 1)) {
            throw new IllegalArgumentException("minReward must be in [0, 1], was " + minReward);
        }
        if (maxPositives < 0) {
            throw new IllegalArgumentException("maxPositives must be >= 0, was " + maxPositives);
        }
        if (maxPromptTokens < 8) {
            throw new IllegalArgumentException("maxPromptTokens must be >= 8, was " + maxPromptTokens);
        }
        if (maxTargetTokens < 1) {
            throw new IllegalArgumentException("maxTargetTokens must be >= 1, was " + maxTargetTokens);
        }
    }

    public static ExampleConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; unset fields keep the defaults above. */
    public static final class Builder {
        private double minReward = 0.8;
        private int maxPositives = 2;
        private int maxPromptTokens = 384;
        private int maxTargetTokens = 128;

        private Builder() {}

        public Builder minReward(double v) {
            minReward = v;
            return this;
        }

        public Builder maxPositives(int v) {
            maxPositives = v;
            return this;
        }

        public Builder maxPromptTokens(int v) {
            maxPromptTokens = v;
            return this;
        }

        public Builder maxTargetTokens(int v) {
            maxTargetTokens = v;
            return this;
        }

        public ExampleConfig build() {
            return new ExampleConfig(minReward, maxPositives, maxPromptTokens, maxTargetTokens);
        }
    }
}
