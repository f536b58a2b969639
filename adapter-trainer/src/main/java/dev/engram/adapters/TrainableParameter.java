package dev.engram.adapters;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * One tensor the optimiser updates, with its own learning-rate factor (LoRA+ gives {@code B} λ×)
 * and whether decoupled weight decay applies to it.
 *
 * @param name stable name, e.g. {@code encoder.layer.0.attention.self.query.lora_B.weight}; used
 *     as the key in checkpoints
 * @param value the tensor itself, with gradients attached
 * @param lrMultiplier factor on the scheduled learning rate, positive
 * @param weightDecay whether AdamW's decoupled weight decay applies
 */
public record TrainableParameter(String name, NDArray value, double lrMultiplier, boolean weightDecay) {

    public TrainableParameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value (parameter " + name + ")");
        if (!(lrMultiplier > 0) || Double.isInfinite(lrMultiplier)) {
            throw new IllegalArgumentException(
                    "lrMultiplier of " + name + " must be positive and finite, was " + lrMultiplier);
        }
    }
}
