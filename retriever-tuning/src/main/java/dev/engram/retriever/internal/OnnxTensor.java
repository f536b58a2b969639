package dev.engram.retriever.internal;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor from an ONNX file: an initializer or the value of a {@code Constant} node.
 *
 * @param name the tensor's name in the graph
 * @param dims its shape
 * @param dataType the ONNX {@code TensorProto.DataType} code (1 = float, 7 = int64)
 * @param floats the values when {@code dataType} is float, otherwise {@code null}
 * @param longs the values when {@code dataType} is int64 or int32, otherwise {@code null}
 */
public record OnnxTensor(String name, long[] dims, int dataType, float[] floats, long[] longs) {

    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;

    public OnnxTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dims, "dims");
        long n = elementCount(dims);
        if (floats != null && floats.length != n) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": " + floats.length + " float values for dims " + Arrays.toString(dims));
        }
        if (longs != null && longs.length != n) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": " + longs.length + " integer values for dims " + Arrays.toString(dims));
        }
    }

    static long elementCount(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return "OnnxTensor[" + name + " " + Arrays.toString(dims) + " type " + dataType + "]";
    }
}
