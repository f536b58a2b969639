package dev.engram.node.testing;

import dev.engram.memory.Embedder;
import java.util.List;
import java.util.Locale;

/**
 * A small deterministic embedder for tests: each lower-cased word is hashed into one of
 * {@code dimension} buckets and the counts are normalised to unit length, so texts that share
 * words have a positive cosine. Real enough to exercise the hybrid path without a model.
 */
public final class HashingEmbedder implements Embedder {

    private final int dimension;

    public HashingEmbedder(int dimension) {
        this.dimension = dimension;
    }

    @Override
    public String modelId() {
        return "hashing-" + dimension;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public float[] embedQuery(String text) {
        float[] v = new float[dimension];
        for (String word : text.toLowerCase(Locale.ROOT).split("\\W+")) {
            if (!word.isEmpty()) {
                v[Math.floorMod(word.hashCode(), dimension)] += 1f;
            }
        }
        double norm = 0;
        for (float f : v) {
            norm += f * f;
        }
        if (norm == 0) {
            v[0] = 1f;
            return v;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return texts.stream().map(this::embedQuery).toList();
    }
}
