package dev.engram.node.adapters;

import dev.engram.node.adapters.internal.EncoderAdapterLoader;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.AdapterPublished;

/**
 * Turns a complete, checksum-verified adapter version into a {@link ServingAdapter}, validating it
 * fully on the way (shapes against the base encoder, finite weights, known modules, base model,
 * method), and touching nothing that serves until it has succeeded.
 *
 * <pre>{@code
 * AdapterLoader loader = AdapterLoader.forEncoder(textEncoder);
 * ServingAdapter v3 = loader.load(published);   // throws InvalidServingAdapterException saying why
 * }</pre>
 */
@FunctionalInterface
public interface AdapterLoader {

    /**
     * Loads {@code adapter} for serving.
     *
     * @throws InvalidServingAdapterException when it cannot serve on this node, saying why
     */
    ServingAdapter load(AdapterPublished adapter);

    /** The loader for query-side LoRA adapters over {@code encoder} (the node's shared base model). */
    static AdapterLoader forEncoder(TextEncoder encoder) {
        return new EncoderAdapterLoader(encoder);
    }
}
