package dev.engram.adapters.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/** A float32 tensor held on the Java heap: what goes into and comes out of files. */
public record FloatTensor(long[] shape, float[] data) {

    public FloatTensor {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
        }
    }

    /** Copies an NDArray (any float type) to the heap as float32. */
    public static FloatTensor of(NDArray array) {
        float[] values = array.getDataType() == DataType.FLOAT32 ? array.toFloatArray() : copyAsFloat(array);
        return new FloatTensor(array.getShape().getShape(), values);
    }

    private static float[] copyAsFloat(NDArray array) {
        try (NDArray f = array.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    /**
     * An NDArray with this content in {@code manager}. The result owns its memory (a torch copy),
     * so nothing in it depends on a Java buffer that a GC could free.
     */
    public NDArray toNDArray(NDManager manager) {
        return ArrayOps.owned(manager, data, new Shape(shape));
    }

    /** Index of the first NaN or infinite value, or -1. */
    public int firstNonFinite() {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                return i;
            }
        }
        return -1;
    }

    public Shape djlShape() {
        return new Shape(shape);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
