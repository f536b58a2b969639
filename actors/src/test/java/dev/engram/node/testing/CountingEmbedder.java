package dev.engram.node.testing;

import dev.engram.memory.Embedder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** An embedder that records what it was asked to embed, around another one. */
public final class CountingEmbedder implements Embedder {

    private final Embedder inner;
    /** Queries embedded so far, one at a time or in batches. */
    public final AtomicInteger queries = new AtomicInteger();
    /** Calls of {@link #embedQueries}. */
    public final AtomicInteger queryBatches = new AtomicInteger();
    /** Every document text embedded so far, in order. */
    public final List<String> documentTexts = new CopyOnWriteArrayList<>();
    /** Calls of {@link #embedDocuments}. */
    public final AtomicInteger documentCalls = new AtomicInteger();

    public CountingEmbedder(Embedder inner) {
        this.inner = inner;
    }

    @Override
    public String modelId() {
        return inner.modelId();
    }

    @Override
    public String documentVectorId() {
        return inner.documentVectorId();
    }

    @Override
    public int dimension() {
        return inner.dimension();
    }

    @Override
    public float[] embedQuery(String text) {
        queries.incrementAndGet();
        return inner.embedQuery(text);
    }

    @Override
    public List<float[]> embedQueries(List<String> texts) {
        queryBatches.incrementAndGet();
        queries.addAndGet(texts.size());
        return inner.embedQueries(texts);
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        documentCalls.incrementAndGet();
        documentTexts.addAll(texts);
        return inner.embedDocuments(texts);
    }
}
