package dev.engram.node.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The highest lag measured per partition over the last {@code window}: a batch fetched and made
 * durable between two looks at the current lag is otherwise invisible, to an operator as much as to
 * a chart. Each partition keeps the measurements that could still be its peak (a monotonic queue:
 * newer and higher pushes out older and lower), so reading and recording are cheap whatever the
 * rate. Thread-safe: the consumer thread records, the HTTP threads read.
 */
final class LagPeaks {

    private final long windowNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Deque<long[]>> byPartition = new HashMap<>();

    /** @param nanoTime a monotonic clock in nanoseconds ({@code System::nanoTime}; tests pass their own) */
    LagPeaks(Duration window, LongSupplier nanoTime) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, was " + window);
        }
        this.windowNanos = window.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** One measurement of every assigned partition; partitions not in it are no longer assigned. */
    synchronized void record(Map<String, Long> lag) {
        long now = nanoTime.getAsLong();
        byPartition.keySet().retainAll(lag.keySet());
        lag.forEach((partition, value) -> {
            Deque<long[]> q = byPartition.computeIfAbsent(partition, p -> new ArrayDeque<>());
            while (!q.isEmpty() && q.peekLast()[1] <= value) {
                q.pollLast();
            }
            q.addLast(new long[] {now, value});
        });
    }

    /** Per partition, the highest lag measured within the window (its latest measurement when older). */
    synchronized Map<String, Long> peaks() {
        long oldest = nanoTime.getAsLong() - windowNanos;
        Map<String, Long> out = new TreeMap<>();
        byPartition.forEach((partition, q) -> {
            // The last entry is the latest measurement: it stays even when older than the window.
            while (q.size() > 1 && q.peekFirst()[0] < oldest) {
                q.pollFirst();
            }
            out.put(partition, q.peekFirst()[1]);
        });
        return out;
    }
}
