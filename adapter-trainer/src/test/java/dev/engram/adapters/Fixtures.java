package dev.engram.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Small frozen "models" and data for the tests. */
final class Fixtures {

    static final String Q = "encoder.layer.0.attention.self.query";
    static final String K = "encoder.layer.0.attention.self.key";
    static final String V = "encoder.layer.0.attention.self.value";
    static final String O = "encoder.layer.0.attention.output.dense";
    static final int IN = 16;
    static final int OUT = 12;

    private Fixtures() {}

    /** Four BERT-named layers: q/k/v [12,16] with bias, output.dense [16,12] without. */
    static Map<String, FrozenLinear> base(NDManager manager, long seed) {
        Random rng = new Random(seed);
        Map<String, FrozenLinear> m = new LinkedHashMap<>();
        m.put(Q, new FrozenLinear(random(manager, rng, OUT, IN), random(manager, rng, OUT)));
        m.put(K, new FrozenLinear(random(manager, rng, OUT, IN), random(manager, rng, OUT)));
        m.put(V, new FrozenLinear(random(manager, rng, OUT, IN), random(manager, rng, OUT)));
        m.put(O, new FrozenLinear(random(manager, rng, IN, OUT), null));
        return m;
    }

    static NDArray random(NDManager manager, Random rng, long... shape) {
        Shape s = new Shape(shape);
        float[] v = new float[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextGaussian() * 0.3);
        }
        return manager.create(v, s);
    }

    static float[] floats(NDArray a) {
        return a.toFloatArray();
    }

    /** Largest absolute difference. */
    static double maxDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    /** Output of {@code layer} on {@code x}, computed in a throwaway sub-manager. */
    static float[] output(Linear layer, NDManager manager, float[] x, int rows) {
        if (x.length != rows * layer.inFeatures()) {
            throw new IllegalArgumentException(
                    "input has " + x.length + " values, layer needs " + rows + " x " + layer.inFeatures());
        }
        try (NDManager sm = manager.newSubManager()) {
            return layer.forward(sm.create(x, new Shape(rows, layer.inFeatures())))
                    .toFloatArray();
        }
    }

    static float[] randomInput(long seed, int rows, long in) {
        Random rng = new Random(seed);
        float[] x = new float[(int) (rows * in)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    /** Copies of every frozen weight and bias, to compare bit for bit later. */
    static Map<String, float[]> snapshot(Map<String, FrozenLinear> base) {
        Map<String, float[]> s = new LinkedHashMap<>();
        base.forEach((k, v) -> {
            s.put(k + ".weight", v.weight().toFloatArray());
            if (v.bias() != null) {
                s.put(k + ".bias", v.bias().toFloatArray());
            }
        });
        return s;
    }

    /**
     * A regression task: every wrapped layer should map x to (W + Δ)x + b for a fixed rank-2 Δ.
     * Loss = ½ · mean squared error, the ½ as a scalar NDArray (DJL pitfall 1).
     */
    static final class LowRankTask implements LossStep {
        private final LoraModel lora;
        private final Map<String, float[]> targetDelta = new LinkedHashMap<>();
        private final int rows;
        private final boolean gcBeforeBackward;

        LowRankTask(LoraModel lora, int rows, boolean gcBeforeBackward) {
            this.lora = lora;
            this.rows = rows;
            this.gcBeforeBackward = gcBeforeBackward;
            Random rng = new Random(7);
            for (LoraLinear l : lora.layers().values()) {
                int out = (int) l.outFeatures();
                int in = (int) l.inFeatures();
                double[][] u = new double[out][2];
                double[][] w = new double[2][in];
                for (double[] row : u) {
                    row[0] = rng.nextGaussian();
                    row[1] = rng.nextGaussian();
                }
                for (double[] row : w) {
                    for (int j = 0; j < in; j++) {
                        row[j] = rng.nextGaussian() * 0.5;
                    }
                }
                float[] d = new float[out * in];
                for (int i = 0; i < out; i++) {
                    for (int j = 0; j < in; j++) {
                        d[i * in + j] = (float) (u[i][0] * w[0][j] + u[i][1] * w[1][j]);
                    }
                }
                targetDelta.put(l.path(), d);
            }
        }

        @Override
        public NDArray loss(NDManager sm, long step) {
            NDArray total = null;
            for (LoraLinear l : lora.layers().values()) {
                int in = (int) l.inFeatures();
                NDArray x =
                        sm.create(randomInput(1000 + step * 31 + l.path().hashCode(), rows, in), new Shape(rows, in));
                NDArray delta = sm.create(targetDelta.get(l.path()), new Shape(l.outFeatures(), in));
                NDArray target = l.base()
                        .forward(x)
                        .add(ai.djl.nn.core.Linear.linear(x, delta).singletonOrThrow());
                NDArray err = l.forward(x).sub(target).square().mean();
                total = total == null ? err : total.add(err);
            }
            NDArray loss = total.mul(sm.create(0.5f));
            if (gcBeforeBackward) {
                System.gc();
            }
            return loss;
        }
    }
}
