package dev.engram.adapters.internal;

import dev.engram.adapters.LoraInit;
import java.util.SplittableRandom;

/**
 * Starting values for one adapter's {@code A} [r, in] and {@code B} [out, r], computed on the heap
 * from a seed so that the same seed gives the same adapter whatever the engine's RNG state.
 */
public final class LoraInitializer {

    /**
     * @param a {@code A}, row-major [r, in]
     * @param b {@code B}, row-major [out, r]
     * @param baseWeight the base weight the adapter must run against ({@code W − s·BA} for OLoRA),
     *     or null when the base stays as it was
     */
    public record Start(float[] a, float[] b, float[] baseWeight) {}

    private LoraInitializer() {}

    /** A seed for one module and stage, so that modules and stages do not share random streams. */
    public static long seed(long seed, String path, int stage) {
        long h = seed * 0x9E3779B97F4A7C15L + path.hashCode();
        h = h * 0xBF58476D1CE4E5B9L + stage;
        return h ^ (h >>> 31);
    }

    /**
     * @param weight base weight, row-major [out, in]
     * @param scaling the adapter's scaling s (needed by OLoRA)
     */
    public static Start start(LoraInit init, int r, int out, int in, float[] weight, double scaling, long seed) {
        return switch (init) {
            case DEFAULT -> new Start(kaimingUniform(r, in, seed), new float[out * r], null);
            case GAUSSIAN -> new Start(gaussian(r, in, seed), new float[out * r], null);
            case OLORA -> olora(r, out, in, weight, scaling);
        };
    }

    /** PEFT's {@code kaiming_uniform_(A, a=√5)}: U(−1/√in, 1/√in). */
    private static float[] kaimingUniform(int r, int in, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double bound = 1 / Math.sqrt(in);
        float[] a = new float[r * in];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rng.nextDouble(-bound, bound);
        }
        return a;
    }

    /** PEFT's {@code normal_(A, std=1/r)}. */
    private static float[] gaussian(int r, int in, long seed) {
        java.util.Random rng = new java.util.Random(seed);
        float[] a = new float[r * in];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rng.nextGaussian() / r);
        }
        return a;
    }

    /** OLoRA: W = QR; B = Q[:, :r], A = R[:r, :]; the base becomes W − s·BA. */
    private static Start olora(int r, int out, int in, float[] weight, double scaling) {
        if (r > Math.min(out, in)) {
            throw new IllegalArgumentException("OLoRA needs r <= min(out, in) = " + Math.min(out, in) + ", r is " + r);
        }
        double[][] w = new double[out][in];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                w[i][j] = weight[i * in + j];
            }
        }
        HouseholderQr qr = new HouseholderQr(w);
        float[] a = new float[r * in];
        float[] b = new float[out * r];
        for (int k = 0; k < r; k++) {
            for (int j = 0; j < in; j++) {
                a[k * in + j] = (float) qr.r()[k][j];
            }
            for (int i = 0; i < out; i++) {
                b[i * r + k] = (float) qr.q()[i][k];
            }
        }
        // the offset is computed from the float32 factors, exactly as they will be saved
        float[] base = new float[out * in];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double ba = 0;
                for (int k = 0; k < r; k++) {
                    ba += (double) b[i * r + k] * a[k * in + j];
                }
                base[i * in + j] = (float) (weight[i * in + j] - scaling * ba);
            }
        }
        return new Start(a, b, base);
    }
}
