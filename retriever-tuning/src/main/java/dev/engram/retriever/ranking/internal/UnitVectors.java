package dev.engram.retriever.ranking.internal;

/**
 * Unit vectors and their cosine. Task vectors are scaled to unit length once, when a memory is
 * built, so that each similarity at query time is one dot product.
 */
public final class UnitVectors {

    private UnitVectors() {}

    /**
     * A unit-length copy of {@code v}.
     *
     * @param what names the vector in the error, e.g. {@code "judgedTask.vector"}
     * @throws IllegalArgumentException when {@code v} is null, empty, not finite or zero
     */
    public static float[] unit(float[] v, String what) {
        if (v == null || v.length == 0) {
            throw new IllegalArgumentException(what + " is required and must not be empty");
        }
        double sq = 0;
        for (float f : v) {
            if (!Float.isFinite(f)) {
                throw new IllegalArgumentException(what + " must be finite, found " + f);
            }
            sq += (double) f * f;
        }
        if (sq == 0) {
            throw new IllegalArgumentException(what + " must not be the zero vector");
        }
        double norm = Math.sqrt(sq);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    /** The dot product of two vectors of the same length; the cosine when both are unit vectors. */
    public static double dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of different lengths: " + a.length + " and " + b.length);
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
