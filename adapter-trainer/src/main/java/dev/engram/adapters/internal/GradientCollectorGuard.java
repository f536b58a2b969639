package dev.engram.adapters.internal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * DJL's PyTorch engine allows one open {@code GradientCollector} per JVM, and its own check runs
 * only after it has already switched grad mode on. This guard is taken before a collector is ever
 * opened, so a second training fails at once with a message that says who holds it.
 */
public final class GradientCollectorGuard implements AutoCloseable {

    private static final AtomicReference<String> HOLDER = new AtomicReference<>();

    private final String holder;

    private GradientCollectorGuard(String holder) {
        this.holder = holder;
    }

    /** Takes the JVM-wide training slot or throws {@link IllegalStateException}. */
    public static GradientCollectorGuard acquire(String description) {
        String me = description + " on thread " + Thread.currentThread().getName();
        if (!HOLDER.compareAndSet(null, me)) {
            throw new IllegalStateException(
                    "Another training is running in this JVM (" + HOLDER.get() + "). DJL's PyTorch engine"
                            + " allows one GradientCollector per JVM: run one training job at a time per"
                            + " process, or wait for it to finish.");
        }
        return new GradientCollectorGuard(me);
    }

    /** Who holds the slot now, or null. */
    public static String holder() {
        return HOLDER.get();
    }

    @Override
    public void close() {
        HOLDER.compareAndSet(holder, null);
    }
}
