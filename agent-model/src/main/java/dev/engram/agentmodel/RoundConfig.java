package dev.engram.agentmodel;

import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.TrainingConfig;
import java.util.Objects;

/**
 * Everything one {@link AgentModelRound} needs besides its data: how episodes become examples, the
 * adapter's shape, the optimiser, the held-out share and the gate.
 *
 * @param examples reward threshold, useful cases per prompt, token limits
 * @param lora the adapter (task type CAUSAL_LM; see {@link AgentAdapterTrainer#defaultLora})
 * @param training optimiser steps, learning rate, seed
 * @param batchSize examples per step, ≥ 1
 * @param heldOutFraction the share of episodes (by id) the gate scores and training never sees, in
 *     (0, 1)
 * @param gate the gate's thresholds
 */
public record RoundConfig(
        ExampleConfig examples,
        LoraConfig lora,
        TrainingConfig training,
        int batchSize,
        double heldOutFraction,
        PlanLossGate gate) {

    public RoundConfig {
        Objects.requireNonNull(examples, "examples");
        Objects.requireNonNull(lora, "lora");
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(gate, "gate");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
        }
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("heldOutFraction must be in (0, 1), was " + heldOutFraction);
        }
    }
}
