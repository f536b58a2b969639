package dev.engram.agentmodel.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays whose memory belongs to libtorch. DJL's {@code create(float[])} wraps a direct Java
 * buffer without copying, and a garbage collection between forward and backward can free what the
 * autograd graph still reads (DESIGN.md, DJL pitfall 1); a torch-side copy cannot be freed that way.
 */
public final class OwnedArrays {

    private OwnedArrays() {}

    public static NDArray of(NDManager manager, float[] values, Shape shape) {
        try (NDArray wrapped = manager.create(values, shape)) {
            return wrapped.duplicate();
        }
    }

    public static NDArray of(NDManager manager, long[] values, Shape shape) {
        try (NDArray wrapped = manager.create(values, shape)) {
            return wrapped.duplicate();
        }
    }

    /** A float32 scalar (shape []). */
    public static NDArray scalar(NDManager manager, double value) {
        return of(manager, new float[] {(float) value}, new Shape());
    }
}
