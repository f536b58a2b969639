package dev.engram.adapters.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.engram.adapters.TrainableParameter;
import java.util.List;

/**
 * AdamW with PyTorch's semantics ({@code torch.optim.AdamW}): decoupled weight decay
 * {@code p ← p·(1 − lr·wd)}, bias-corrected moments, {@code p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)}.
 * Runs outside any gradient collector, so scalar-Number ops are safe here; every temporary is
 * kept in the step's scope.
 */
public final class AdamW implements AutoCloseable {

    private final List<TrainableParameter> params;
    private final NDManager manager;
    private final NDArray[] m;
    private final NDArray[] v;

    public AdamW(List<TrainableParameter> params, NDManager parent) {
        this.params = List.copyOf(params);
        this.manager = parent.newSubManager();
        this.m = new NDArray[params.size()];
        this.v = new NDArray[params.size()];
        for (int i = 0; i < m.length; i++) {
            NDArray p = params.get(i).value();
            m[i] = manager.zeros(p.getShape(), p.getDataType());
            v[i] = manager.zeros(p.getShape(), p.getDataType());
        }
    }

    /**
     * One update.
     *
     * @param grads the (already clipped) gradients, in {@code scope}
     * @param lr the scheduled learning rate, before each parameter's multiplier
     * @param t 1-based step number for bias correction
     */
    public void update(
            NDArray[] grads,
            double lr,
            double weightDecay,
            double beta1,
            double beta2,
            double eps,
            long t,
            NDManager scope) {
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        for (int i = 0; i < grads.length; i++) {
            TrainableParameter tp = params.get(i);
            NDArray p = tp.value();
            NDArray g = grads[i];
            double lrI = lr * tp.lrMultiplier();
            if (weightDecay > 0 && tp.weightDecay()) {
                p.muli((float) (1 - lrI * weightDecay));
            }
            m[i].muli((float) beta1).addi(g.mul((float) (1 - beta1)));
            v[i].muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
            NDArray denom =
                    ArrayOps.in(scope, v[i].sqrt()).divi((float) Math.sqrt(bc2)).addi((float) eps);
            NDArray step = ArrayOps.in(scope, m[i].div(denom)).muli((float) (lrI / bc1));
            p.subi(step);
        }
    }

    /** Sets every parameter's accumulated gradient to zero (libtorch accumulates across backwards). */
    public static void zeroGradients(List<TrainableParameter> params, NDArray[] grads) {
        for (int i = 0; i < grads.length; i++) {
            NDArray p = params.get(i).value();
            if (p instanceof PtNDArray pt) {
                JniUtils.zeroGrad(pt);
            } else {
                grads[i].subi(grads[i]);
            }
        }
    }

    public NDArray[] firstMoments() {
        return m;
    }

    public NDArray[] secondMoments() {
        return v;
    }

    @Override
    public void close() {
        manager.close();
    }
}
