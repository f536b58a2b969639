package dev.engram.node.adapters.internal;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.Embedder;
import java.util.List;

/**
 * An {@link Embedder} that embeds with autograd off on the calling thread: recall runs on pool
 * threads where DJL leaves grad mode on, and a forward through LoRA parameters would otherwise
 * record a graph per query.
 */
public final class NoGradEmbedder implements Embedder {

    private final Embedder inner;

    public NoGradEmbedder(Embedder inner) {
        this.inner = inner;
    }

    @Override
    public String modelId() {
        return inner.modelId();
    }

    @Override
    public int dimension() {
        return inner.dimension();
    }

    @Override
    public float[] embedQuery(String text) {
        try (NoGradScope ignored = NoGradScope.enter()) {
            return inner.embedQuery(text);
        }
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        try (NoGradScope ignored = NoGradScope.enter()) {
            return inner.embedDocuments(texts);
        }
    }

    @Override
    public String toString() {
        return inner.toString();
    }
}
