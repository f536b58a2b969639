package dev.engram.node.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a bound, checking every 25 ms; fails with what was awaited and the last state. */
public final class Await {

    private Await() {}

    /** Returns once {@code condition} holds; fails after {@code bound}. */
    public static void until(String what, Duration bound, BooleanSupplier condition) {
        until(what, bound, condition, () -> "");
    }

    /** As {@link #until(String, Duration, BooleanSupplier)}, with {@code state} in the failure message. */
    public static void until(String what, Duration bound, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + bound + " waiting for " + what + " " + state.get());
            }
            LockSupport.parkNanos(25_000_000L);
        }
    }
}
