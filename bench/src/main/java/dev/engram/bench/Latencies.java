package dev.engram.bench;

import java.util.Arrays;

/** Percentiles of latencies measured in nanoseconds, reported in milliseconds. */
final class Latencies {
    private Latencies() {}

    static long[] sorted(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s;
    }

    /** The p-th percentile (nearest rank) of sorted nanoseconds, in ms. */
    static double pct(long[] sorted, int p) {
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return ms(sorted[Math.max(0, idx)]);
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static double mean(long[] values) {
        return ms((long) Arrays.stream(values).average().orElse(0));
    }
}
