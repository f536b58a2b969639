package dev.engram.worker;

import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.TrainingConfig;
import dev.engram.agentmodel.AgentAdapterTrainer;
import dev.engram.agentmodel.ExampleConfig;
import dev.engram.agentmodel.PlanLossGate;
import dev.engram.agentmodel.RoundConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How an {@link AgentModelTrainer} trains each round ({@code engram worker --agent-model DIR} and
 * its options); the job brings the episodes and the reward threshold.
 *
 * <pre>{@code
 * AgentModelSettings settings = AgentModelSettings.defaults(Path.of("models/SmolLM2-135M")).withSteps(100);
 * }</pre>
 *
 * @param modelDir the Hugging Face model folder (config.json, *.safetensors, tokenizer.json)
 * @param baseModelName {@code base_model_name_or_path} in the adapters' {@code adapter_config.json}
 *     (default: the folder's name)
 * @param steps optimiser steps per round (200)
 * @param learningRate peak learning rate (2e-4)
 * @param batchSize examples per step (8; a worker needs at least 2, the published config's smallest batch)
 * @param r LoRA rank (8)
 * @param alpha {@code lora_alpha} (16)
 * @param targetModules the adapted modules ({@code q_proj, k_proj, v_proj, o_proj}; {@code all-linear} adds the MLP)
 * @param heldOutFraction the share of a round's episodes the gate scores and training never sees (0.2)
 * @param maxPromptTokens longest prompt (384)
 * @param maxPlanTokens longest target plan (128)
 * @param seed training seed (42)
 * @param gate the plan-loss gate ({@link PlanLossGate#defaults()})
 */
public record AgentModelSettings(
        Path modelDir,
        String baseModelName,
        long steps,
        double learningRate,
        int batchSize,
        int r,
        double alpha,
        List<String> targetModules,
        double heldOutFraction,
        int maxPromptTokens,
        int maxPlanTokens,
        long seed,
        PlanLossGate gate) {

    public AgentModelSettings {
        Objects.requireNonNull(modelDir, "agentModel.modelDir is required");
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException("agent model folder " + modelDir + " is not a directory");
        }
        baseModelName = baseModelName == null
                ? modelDir.toAbsolutePath().normalize().getFileName().toString()
                : baseModelName;
        if (steps < 1) {
            throw new IllegalArgumentException("agentModel.steps must be >= 1, was " + steps);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("agentModel.batchSize must be >= 1, was " + batchSize);
        }
        targetModules = List.copyOf(targetModules);
        Objects.requireNonNull(gate, "agentModel.gate is required");
    }

    /**
     * A round's settings: these, with {@code minReward} as the threshold.
     *
     * @param continueFromServing train on from the serving adapter when there is one (a worker's
     *     rounds do), instead of a fresh adapter
     */
    public RoundConfig roundConfig(double minReward, boolean continueFromServing) {
        LoraConfig lora = AgentAdapterTrainer.defaultLora(baseModelName).toBuilder()
                .r(r)
                .alpha(alpha)
                .targetModules(targetModules)
                .build();
        return new RoundConfig(
                ExampleConfig.builder()
                        .minReward(minReward)
                        .maxPromptTokens(maxPromptTokens)
                        .maxTargetTokens(maxPlanTokens)
                        .build(),
                lora,
                TrainingConfig.builder()
                        .learningRate(learningRate)
                        .totalSteps(steps)
                        .warmupSteps(Math.min(steps, Math.max(1, steps / 10)))
                        .batchSize(batchSize)
                        .seed(seed)
                        .build(),
                batchSize,
                heldOutFraction,
                gate,
                continueFromServing);
    }

    /** The defaults for {@code modelDir}. */
    public static AgentModelSettings defaults(Path modelDir) {
        return new AgentModelSettings(
                modelDir,
                null,
                200,
                2e-4,
                8,
                8,
                16,
                List.of("q_proj", "k_proj", "v_proj", "o_proj"),
                0.2,
                384,
                128,
                42,
                PlanLossGate.defaults());
    }

    /** These settings with another training run: steps, learning rate, rank, alpha and targets. */
    public AgentModelSettings withTraining(
            long steps, double learningRate, int r, double alpha, List<String> targetModules) {
        return new AgentModelSettings(
                modelDir,
                baseModelName,
                steps,
                learningRate,
                batchSize,
                r,
                alpha,
                targetModules,
                heldOutFraction,
                maxPromptTokens,
                maxPlanTokens,
                seed,
                gate);
    }

    /** These settings with another batch size and held-out share. */
    public AgentModelSettings withSplit(int batchSize, double heldOutFraction) {
        return new AgentModelSettings(
                modelDir,
                baseModelName,
                steps,
                learningRate,
                batchSize,
                r,
                alpha,
                targetModules,
                heldOutFraction,
                maxPromptTokens,
                maxPlanTokens,
                seed,
                gate);
    }
}
