package dev.engram.agentmodel.internal;

import java.util.Arrays;

/** A float32 tensor on the Java heap, as read from a file: shape and row-major values. */
public record HostTensor(long[] shape, float[] data) {

    public HostTensor {
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

    @Override
    public String toString() {
        return "HostTensor" + Arrays.toString(shape);
    }
}
