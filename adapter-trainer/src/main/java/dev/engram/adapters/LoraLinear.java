package dev.engram.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.engram.adapters.internal.ArrayOps;
import dev.engram.adapters.internal.FloatTensor;
import dev.engram.adapters.internal.LoraInitializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A LoRA layer over a {@link FrozenLinear}: {@code y = xWᵀ + b + s·(dropout(x)Aᵀ)Bᵀ}, with
 * {@code A} [r, in], {@code B} [out, r] and {@code s} = {@code alpha/r} (or {@code alpha/√r} with
 * rsLoRA). With DoRA the output is {@code m ⊙ (x(W + sBA)ᵀ) / ‖W + sBA‖_row + b}, the norm
 * detached from the gradient as in PEFT. Instances come from {@link LoraModel}; a model calls
 * them through {@link Linear} without knowing.
 *
 * <p>The frozen layer it wraps is never written to: OLoRA's changed base, merges and
 * {@link LoraModel#mergeAndReset() merged stages} live in arrays of this layer's own.
 */
public final class LoraLinear implements Linear {

    /** One low-rank term folded into the working base: {@code base = W + Σ scale·B·A}. */
    record FoldedDelta(FloatTensor a, FloatTensor b, double scale) {}

    private final String path;
    private final FrozenLinear original;
    private final LoraConfig config;
    private final NDManager manager;
    private final NDArray scale;
    private final NDArray one;
    private final NDArray loraA;
    private final NDArray loraB;
    private final NDArray magnitude;
    private final List<FoldedDelta> folded = new ArrayList<>();
    private NDArray baseWeight;
    private NDArray merged;
    private boolean training;

    private LoraLinear(
            String path,
            FrozenLinear original,
            LoraConfig config,
            NDManager manager,
            FloatTensor a,
            FloatTensor b,
            FloatTensor magnitude,
            float[] workingBase) {
        this.path = path;
        this.original = original;
        this.config = config;
        this.manager = manager;
        this.scale = ArrayOps.scalar(manager, config.scaling());
        this.one = ArrayOps.scalar(manager, 1);
        this.baseWeight = original.weight();
        if (workingBase != null) {
            replaceBase(workingBase);
            folded.add(new FoldedDelta(a, b, -config.scaling()));
        }
        this.loraA = a.toNDArray(manager);
        this.loraB = b.toNDArray(manager);
        if (!config.freezeA()) {
            loraA.setRequiresGradient(true);
        }
        loraB.setRequiresGradient(true);
        if (config.useDora()) {
            this.magnitude = magnitude != null ? magnitude.toNDArray(manager) : initialMagnitude();
            this.magnitude.setRequiresGradient(true);
        } else {
            this.magnitude = null;
        }
    }

    /** A fresh adapter over {@code base}, initialised as {@code config.init()} says. */
    static LoraLinear create(String path, FrozenLinear base, LoraConfig config, NDManager manager, long seed) {
        int out = Math.toIntExact(base.outFeatures());
        int in = Math.toIntExact(base.inFeatures());
        float[] weight =
                config.init() == LoraInit.OLORA ? FloatTensor.of(base.weight()).data() : null;
        LoraInitializer.Start start = LoraInitializer.start(
                config.init(), config.r(), out, in, weight, config.scaling(), LoraInitializer.seed(seed, path, 0));
        FloatTensor a = new FloatTensor(new long[] {config.r(), in}, start.a());
        FloatTensor b = new FloatTensor(new long[] {out, config.r()}, start.b());
        return new LoraLinear(path, base, config, manager, a, b, null, start.baseWeight());
    }

    /** An adapter with given (already validated) weights, as read from a file. */
    static LoraLinear restore(
            String path,
            FrozenLinear base,
            LoraConfig config,
            NDManager manager,
            FloatTensor a,
            FloatTensor b,
            FloatTensor magnitude) {
        return new LoraLinear(path, base, config, manager, a, b, magnitude, null);
    }

    @Override
    public NDArray forward(NDArray x) {
        NDArray bias = original.bias();
        if (merged != null) {
            return linear(x, merged, bias);
        }
        boolean drop = training && config.dropout() > 0;
        NDArray xd = drop
                ? x.getNDArrayInternal()
                        .dropout(x, (float) config.dropout(), true)
                        .singletonOrThrow()
                : x;
        NDArray lora = linear(linear(xd, loraA, null), loraB, null).mul(scale);
        if (magnitude == null) {
            return linear(x, baseWeight, bias).add(lora);
        }
        NDManager scope = x.getManager();
        NDArray magnitudeOverNorm = ArrayOps.in(scope, magnitude.div(doraNorm(scope)));
        if (!drop) {
            NDArray y = linear(x, baseWeight, null).add(lora).mul(magnitudeOverNorm);
            return bias == null ? y : y.add(bias);
        }
        // PEFT's form with dropout: the base path sees x, the DoRA correction sees dropout(x)
        NDArray correction = linear(xd, baseWeight, null).mul(magnitudeOverNorm.sub(one));
        return linear(x, baseWeight, bias).add(correction).add(lora.mul(magnitudeOverNorm));
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        // torch's linear keeps the result (and no transposed view of the weight) in x's manager
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /** ‖W + s·BA‖ per output row, with no gradient (DoRA paper §4.3, PEFT). */
    private NDArray doraNorm(NDManager scope) {
        NDArray a = ArrayOps.in(scope, loraA.stopGradient());
        NDArray b = ArrayOps.in(scope, loraB.stopGradient());
        NDArray w = b.matMul(a).mul(scale).add(baseWeight);
        return w.square().sum(new int[] {1}).sqrt();
    }

    private NDArray initialMagnitude() {
        try (NoGradScope noGrad = NoGradScope.enter();
                NDManager tmp = manager.newSubManager()) {
            NDArray norm = doraNorm(tmp);
            norm.attach(manager);
            return norm;
        }
    }

    @Override
    public long inFeatures() {
        return original.inFeatures();
    }

    @Override
    public long outFeatures() {
        return original.outFeatures();
    }

    /** The Hugging Face module path this layer stands in for. */
    public String path() {
        return path;
    }

    /** The frozen layer this adapter wraps; never modified. */
    public FrozenLinear base() {
        return original;
    }

    /** {@code A}, [r, in]. */
    public NDArray loraA() {
        return loraA;
    }

    /** {@code B}, [out, r]. */
    public NDArray loraB() {
        return loraB;
    }

    /** DoRA's magnitude vector, [out], when DoRA is on. */
    public Optional<NDArray> magnitude() {
        return Optional.ofNullable(magnitude);
    }

    /** The factor s on the adapter's output. */
    public double scaling() {
        return config.scaling();
    }

    public boolean isMerged() {
        return merged != null;
    }

    void setTraining(boolean training) {
        this.training = training;
    }

    /** Computes the effective weight once; forward then costs one matmul. */
    void merge() {
        if (merged != null) {
            return;
        }
        merged = effectiveWeight();
    }

    /** Drops the merged weight; the base is exactly what it was (it was never written). */
    void unmerge() {
        if (merged != null) {
            merged.close();
            merged = null;
        }
    }

    private NDArray effectiveWeight() {
        try (NoGradScope noGrad = NoGradScope.enter();
                NDManager tmp = manager.newSubManager()) {
            NDArray b = ArrayOps.in(tmp, loraB.stopGradient());
            NDArray a = ArrayOps.in(tmp, loraA.stopGradient());
            NDArray w = b.matMul(a).mul(scale).add(baseWeight);
            if (magnitude != null) {
                NDArray m = ArrayOps.in(tmp, magnitude.stopGradient());
                NDArray norm = w.square().sum(new int[] {1}).sqrt();
                w = w.mul(m.div(norm).reshape(new Shape(outFeatures(), 1)));
            }
            NDArray result = w.duplicate();
            result.attach(manager);
            return result;
        }
    }

    /** PeriodicLoRA / Chain of LoRA: fold s·BA into the working base and start a fresh adapter. */
    void mergeAndReset(long seed, int stage) {
        if (magnitude != null) {
            throw new IllegalStateException("mergeAndReset is not defined for DoRA (" + path + "): a merged"
                    + " DoRA weight is not the original base plus a low-rank term, so later adapters could"
                    + " not be saved against the original base");
        }
        unmerge();
        FloatTensor a = FloatTensor.of(loraA);
        FloatTensor b = FloatTensor.of(loraB);
        NDArray newBase = effectiveWeight();
        folded.add(new FoldedDelta(a, b, config.scaling()));
        setBase(newBase);
        int out = Math.toIntExact(outFeatures());
        int in = Math.toIntExact(inFeatures());
        float[] weight =
                config.init() == LoraInit.OLORA ? FloatTensor.of(baseWeight).data() : null;
        LoraInitializer.Start start = LoraInitializer.start(
                config.init(), config.r(), out, in, weight, config.scaling(), LoraInitializer.seed(seed, path, stage));
        FloatTensor freshA = new FloatTensor(a.shape(), start.a());
        FloatTensor freshB = new FloatTensor(b.shape(), start.b());
        if (start.baseWeight() != null) {
            replaceBase(start.baseWeight());
            folded.add(new FoldedDelta(freshA, freshB, -config.scaling()));
        }
        try (NoGradScope noGrad = NoGradScope.enter();
                NDManager tmp = manager.newSubManager()) {
            ArrayOps.assign(loraA, freshA.toNDArray(tmp));
            ArrayOps.assign(loraB, freshB.toNDArray(tmp));
        }
    }

    private void replaceBase(float[] values) {
        setBase(ArrayOps.owned(manager, values, original.weight().getShape()));
    }

    private void setBase(NDArray newBase) {
        if (baseWeight != original.weight()) {
            baseWeight.close();
        }
        baseWeight = newBase;
    }

    /** How many low-rank terms have been folded into the working base (OLoRA offset, stages). */
    int foldedCount() {
        return folded.size();
    }

    /**
     * This adapter as a plain LoRA against the ORIGINAL base, at scaling {@code config.scaling()}:
     * {@code A' = [A; A₁; …]}, {@code B' = [B, B₁·s₁/s, …]}, so that s·B'A' = s·BA + Σ sₖ·Bₖ·Aₖ.
     */
    FloatTensor[] plainAgainstOriginal() {
        FloatTensor a = FloatTensor.of(loraA);
        FloatTensor b = FloatTensor.of(loraB);
        if (folded.isEmpty()) {
            return new FloatTensor[] {a, b};
        }
        int in = Math.toIntExact(inFeatures());
        int out = Math.toIntExact(outFeatures());
        int r = config.r();
        int total = r * (1 + folded.size());
        float[] ca = new float[total * in];
        float[] cb = new float[out * total];
        copyBlock(a.data(), b.data(), 1, 0, r, in, out, total, ca, cb);
        int offset = r;
        for (FoldedDelta d : folded) {
            copyBlock(d.a().data(), d.b().data(), d.scale() / config.scaling(), offset, r, in, out, total, ca, cb);
            offset += r;
        }
        return new FloatTensor[] {
            new FloatTensor(new long[] {total, in}, ca), new FloatTensor(new long[] {out, total}, cb)
        };
    }

    private static void copyBlock(
            float[] a,
            float[] b,
            double factor,
            int offset,
            int r,
            int in,
            int out,
            int total,
            float[] ca,
            float[] cb) {
        System.arraycopy(a, 0, ca, offset * in, r * in);
        for (int i = 0; i < out; i++) {
            for (int k = 0; k < r; k++) {
                cb[i * total + offset + k] = (float) (b[i * r + k] * factor);
            }
        }
    }
}
