package dev.engram.agentmodel.internal;

import dev.engram.agentmodel.LlamaConfig;

/**
 * The cos/sin tables of rotary position embeddings in Hugging Face's layout: for position p and
 * channel j of a head of size d, angle {@code p · invFreq[j mod d/2]} (the frequencies repeated
 * for both halves, which {@code rotate_half} pairs as (j, j + d/2)).
 */
public final class RotaryTable {

    private final int headDim;
    private final double[] invFreq;

    public RotaryTable(LlamaConfig config) {
        this.headDim = config.headDim();
        int half = headDim / 2;
        this.invFreq = new double[half];
        for (int j = 0; j < half; j++) {
            double f = 1.0 / Math.pow(config.ropeTheta(), (2.0 * j) / headDim);
            invFreq[j] = config.ropeScaling() == null ? f : config.ropeScaling().scale(f);
        }
    }

    /** [length, headDim] cosines for positions {@code offset .. offset + length - 1}, row-major. */
    public float[] cos(int offset, int length) {
        return table(offset, length, true);
    }

    /** [length, headDim] sines for positions {@code offset .. offset + length - 1}, row-major. */
    public float[] sin(int offset, int length) {
        return table(offset, length, false);
    }

    private float[] table(int offset, int length, boolean cos) {
        int half = headDim / 2;
        float[] out = new float[length * headDim];
        for (int t = 0; t < length; t++) {
            for (int j = 0; j < half; j++) {
                // float32 angle, as torch computes position × inv_freq in float32
                float angle = (float) (offset + t) * (float) invFreq[j];
                float v = (float) (cos ? Math.cos(angle) : Math.sin(angle));
                out[t * headDim + j] = v;
                out[t * headDim + j + half] = v;
            }
        }
        return out;
    }
}
