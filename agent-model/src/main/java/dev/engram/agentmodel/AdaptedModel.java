package dev.engram.agentmodel;

import ai.djl.ndarray.NDManager;
import dev.engram.adapters.LoraModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A base model with a LoRA adapter applied: the adapter's layers stand in for the projections it
 * targets, every other weight is the base model's. Closing releases the adapter, not the base.
 *
 * <pre>{@code
 * try (AdaptedModel adapted = AdaptedModel.load(adapterDir, base, manager)) {
 *     NDArray logits = adapted.model().logits(step, batch, false);
 * }
 * }</pre>
 *
 * @param model the view of the base model that calls the adapter's layers
 * @param lora the adapter (merge/unmerge, save)
 */
public record AdaptedModel(LlamaModel model, LoraModel lora) implements AutoCloseable {

    /** Wraps {@code base}'s projections in {@code lora}'s layers. */
    public static AdaptedModel of(LlamaModel base, LoraModel lora) {
        return new AdaptedModel(base.withLinears(lora.layers()), lora);
    }

    /**
     * Reads a PEFT adapter directory ({@code adapter_config.json}, {@code adapter_model.safetensors})
     * for {@code base}; an adapter for another model's shapes or names is refused with the file and
     * the tensor.
     */
    public static AdaptedModel load(Path adapterDir, LlamaModel base, NDManager manager) throws IOException {
        return of(base, LoraModel.load(adapterDir, base.baseLinears(), manager));
    }

    @Override
    public void close() {
        lora.close();
    }
}
