package dev.engram.retriever.tuning;

import dev.engram.memory.Embedder;
import dev.engram.retriever.TextEncoder;
import java.util.ArrayList;
import java.util.List;

/**
 * A tenant's {@link Embedder}: a {@link TextEncoder} view with the tenant's adapter, whose queries
 * carry the tenant's instruction. Made by {@link TenantAdapter#embedder}.
 */
public final class TunedEmbedder implements Embedder {

    private final TextEncoder view;
    private final String instruction;

    TunedEmbedder(TextEncoder view, String instruction) {
        this.view = view;
        this.instruction = instruction;
    }

    @Override
    public String modelId() {
        return view.modelId();
    }

    @Override
    public String documentVectorId() {
        return view.documentVectorId();
    }

    @Override
    public int dimension() {
        return view.dimension();
    }

    @Override
    public float[] embedQuery(String text) {
        return view.embedQuery(instruction + text);
    }

    /** Embeds several queries at once (each with the instruction), in batches through the adapter's tower. */
    @Override
    public List<float[]> embedQueries(List<String> texts) {
        List<String> prefixed = new ArrayList<>(texts.size());
        texts.forEach(t -> prefixed.add(instruction + t));
        return view.embedQueries(prefixed);
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return view.embedDocuments(texts);
    }

    @Override
    public String toString() {
        return "TunedEmbedder[" + modelId() + (instruction.isEmpty() ? "" : ", instruction '" + instruction + "'")
                + "]";
    }
}
