package dev.engram.node.adapters;

import dev.engram.memory.Embedder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * What serves each tenant right now: one {@link AtomicReference} to an immutable
 * {@link ServingAdapter} per tenant, swapped atomically by the {@link AdapterRegistry}.
 *
 * <pre>{@code
 * try (ServingTable.Lease lease = table.lease("acme")) {      // read once, at the start of a recall
 *     Embedder queries = lease.embedderOr(baseEmbedder);
 *     float[] q = queries.embedQuery(task);
 *     answer.adapterVersion(lease.label());                    // "acme-retriever/v3", or "base"
 * }
 * }</pre>
 *
 * <p>A recall reads the reference once and holds a {@link Lease} until it is done: recalls in
 * flight finish on the adapter they started with, new ones use the new one, and an adapter's
 * memory is freed only after the last recall using it has closed its lease. Thread-safe and
 * lock-free on the recall path.
 */
public final class ServingTable {

    /** The label of recalls served without an adapter. */
    public static final String BASE = "base";

    /** One swap, for observers (e.g. the swap-latency benchmark). */
    public record Swap(String tenant, String previous, String next, long nanoTime) {}

    private final Map<String, AtomicReference<ServingAdapter>> byTenant = new ConcurrentHashMap<>();
    private final List<Consumer<Swap>> listeners = new CopyOnWriteArrayList<>();

    /**
     * The adapter serving {@code tenant}, held until the lease is closed; a lease on the base model
     * (no adapter) when none serves it.
     */
    public Lease lease(String tenant) {
        AtomicReference<ServingAdapter> ref = byTenant.get(tenant);
        if (ref == null) {
            return Lease.BASE_LEASE;
        }
        while (true) {
            ServingAdapter current = ref.get();
            if (current == null) {
                return Lease.BASE_LEASE;
            }
            if (current.tryAcquire()) {
                return new Lease(current);
            }
            // Freed between the read and the acquire: it was swapped out already, read again.
        }
    }

    /** The label serving {@code tenant} now: {@code "<adapterName>/v<version>"} or {@link #BASE}. */
    public String label(String tenant) {
        AtomicReference<ServingAdapter> ref = byTenant.get(tenant);
        ServingAdapter current = ref == null ? null : ref.get();
        return current == null ? BASE : current.label();
    }

    /** The adapter serving {@code tenant} now, or {@code null}; for reading its identity only. */
    public ServingAdapter current(String tenant) {
        AtomicReference<ServingAdapter> ref = byTenant.get(tenant);
        return ref == null ? null : ref.get();
    }

    /**
     * Makes {@code next} serve {@code tenant} ({@code null}: the base model) and retires the adapter
     * it replaces, whose memory is freed once the recalls still using it finish.
     */
    public void swap(String tenant, ServingAdapter next) {
        if (next != null && !next.tenant().equals(tenant)) {
            throw new IllegalArgumentException("adapter " + next.label() + " belongs to tenant " + next.tenant()
                    + ", not " + tenant);
        }
        ServingAdapter previous = byTenant.computeIfAbsent(tenant, t -> new AtomicReference<>()).getAndSet(next);
        if (previous == next) {
            return;
        }
        long at = System.nanoTime();
        if (previous != null) {
            previous.retire();
        }
        Swap swap = new Swap(tenant, previous == null ? BASE : previous.label(), next == null ? BASE : next.label(), at);
        listeners.forEach(l -> l.accept(swap));
    }

    /** Calls {@code listener} after every swap, on the swapping thread; keep it quick. */
    public void onSwap(Consumer<Swap> listener) {
        listeners.add(listener);
    }

    /** Puts every tenant back on the base model (retiring their adapters). */
    public void clear() {
        byTenant.keySet().forEach(t -> swap(t, null));
    }

    /** A recall's hold on the adapter it started with. */
    public static final class Lease implements AutoCloseable {

        static final Lease BASE_LEASE = new Lease(null);

        private final ServingAdapter adapter;
        private boolean closed;

        private Lease(ServingAdapter adapter) {
            this.adapter = adapter;
        }

        /** The adapter, or {@code null} on the base model. */
        public ServingAdapter adapter() {
            return adapter;
        }

        /** The adapter's query embedder, or {@code base} without an adapter. */
        public Embedder embedderOr(Embedder base) {
            return adapter == null ? base : adapter.queryEmbedder();
        }

        /** {@code "<adapterName>/v<version>"} or {@link #BASE}. */
        public String label() {
            return adapter == null ? BASE : adapter.label();
        }

        @Override
        public void close() {
            if (adapter != null && !closed) {
                closed = true;
                adapter.release();
            }
        }
    }
}
