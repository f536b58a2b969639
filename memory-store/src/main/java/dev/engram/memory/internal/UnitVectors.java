package dev.engram.memory.internal;

/**
 * Checks vectors and scales them to unit length, so that the index can use the dot product
 * (which equals cosine similarity on unit vectors) whatever the caller's embedder returns.
 */
public final class UnitVectors {
    private UnitVectors() {}

    /**
     * A unit-length copy of {@code v}.
     *
     * @throws IllegalArgumentException when the length is not {@code dimension}, or the vector is
     *     zero or not finite; the message names {@code field}
     */
    public static float[] normalized(float[] v, int dimension, String field) {
        if (v.length != dimension) {
            throw new IllegalArgumentException(
                    field + " must have " + dimension + " dimensions (the store's vectorDimension), had " + v.length);
        }
        double sum = 0;
        for (float f : v) {
            if (!Float.isFinite(f)) {
                throw new IllegalArgumentException(field + " must be finite, found " + f);
            }
            sum += (double) f * f;
        }
        if (sum == 0) {
            throw new IllegalArgumentException(field + " must not be the zero vector");
        }
        double inv = 1.0 / Math.sqrt(sum);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] * inv);
        }
        return out;
    }

    /** Cosine similarity from Lucene's DOT_PRODUCT score, which is {@code (1 + cos) / 2}. */
    public static double cosineFromScore(float score) {
        return 2.0 * score - 1.0;
    }
}
