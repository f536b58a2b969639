package dev.engram.adapters.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The few NDArray moves that DJL makes easy to get wrong (see DESIGN.md, "DJL pitfalls"): arrays
 * that own their memory, in-place assignment, and keeping temporaries in a step's sub-manager.
 */
public final class ArrayOps {

    private ArrayOps() {}

    /**
     * An array with {@code values} in {@code manager} whose memory belongs to libtorch. DJL's
     * {@code create(float[])} wraps a direct Java buffer without copying; a torch-side copy cannot
     * be freed under the autograd graph by a garbage collection.
     */
    public static NDArray owned(NDManager manager, float[] values, Shape shape) {
        try (NDArray wrapped = manager.create(values, shape)) {
            return wrapped.duplicate();
        }
    }

    /** A float32 scalar (shape []) in {@code manager}, owned by libtorch. */
    public static NDArray scalar(NDManager manager, double value) {
        return owned(manager, new float[] {(float) value}, new Shape());
    }

    /**
     * Overwrites {@code target} in place with {@code source} (same shape), keeping its identity,
     * its gradient flag and any views of it. Call outside a gradient collector. {@code target}
     * must hold finite values (x − x is 0 only for finite x).
     */
    public static void assign(NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape())) {
            throw new IllegalArgumentException("cannot assign " + source.getShape() + " to " + target.getShape());
        }
        target.subi(target).addi(source);
    }

    /** Moves {@code array} (the result of an op on a long-lived operand) into {@code scope}. */
    public static NDArray in(NDManager scope, NDArray array) {
        array.attach(scope);
        return array;
    }
}
