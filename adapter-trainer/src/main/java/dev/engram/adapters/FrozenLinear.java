package dev.engram.adapters;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * A pretrained linear layer whose weights never receive gradients.
 *
 * @param weight shape [out, in] (PyTorch / Hugging Face layout)
 * @param bias shape [out], or {@code null}
 */
public record FrozenLinear(NDArray weight, NDArray bias) implements Linear {

    public FrozenLinear {
        Objects.requireNonNull(weight, "weight");
        if (weight.getShape().dimension() != 2) {
            throw new IllegalArgumentException("weight must be [out, in], was " + weight.getShape());
        }
        if (bias != null && bias.getShape().size() != weight.getShape().get(0)) {
            throw new IllegalArgumentException(
                    "bias " + bias.getShape() + " does not match weight " + weight.getShape());
        }
    }

    @Override
    public NDArray forward(NDArray x) {
        // torch's linear: no transposed view of the weight is left in the weight's (long-lived)
        // manager, and the result belongs to x's manager
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    @Override
    public long inFeatures() {
        return weight.getShape().get(1);
    }

    @Override
    public long outFeatures() {
        return weight.getShape().get(0);
    }
}
