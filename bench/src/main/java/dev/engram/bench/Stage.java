package dev.engram.bench;

import static dev.engram.bench.Latencies.mean;
import static dev.engram.bench.Latencies.pct;
import static dev.engram.bench.Latencies.sorted;

import java.util.Locale;

/** One timed stage of a recall: wall-clock and thread CPU nanoseconds per query. */
final class Stage {
    final String name;
    final long[] wall;
    final long[] cpu;

    Stage(String name, int n) {
        this.name = name;
        this.wall = new long[n];
        this.cpu = new long[n];
    }

    void add(int i, long wallNanos, long cpuNanos) {
        wall[i] = wallNanos;
        cpu[i] = cpuNanos;
    }

    void print(boolean wallClock) {
        long[] s = sorted(wallClock ? wall : cpu);
        System.out.printf(
                Locale.ROOT, "%-34s %9.3f %9.3f %9.3f%n", name, pct(s, 50), pct(s, 99), mean(wallClock ? wall : cpu));
    }

    /** Prints a / b at p50, p99 and the mean. */
    static void ratio(boolean wallClock, String label, Stage a, Stage b) {
        long[] x = sorted(wallClock ? a.wall : a.cpu);
        long[] y = sorted(wallClock ? b.wall : b.cpu);
        System.out.printf(
                Locale.ROOT,
                "%-34s %8.2fx %8.2fx %8.2fx%n",
                label,
                pct(x, 50) / pct(y, 50),
                pct(x, 99) / pct(y, 99),
                mean(wallClock ? a.wall : a.cpu) / mean(wallClock ? b.wall : b.cpu));
    }
}
