package dev.engram.node.registry;

import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.TenantAdapter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which loaded version serves each tenant now: recalls lease from it ({@link #acquire}) without a
 * lock, the registry swaps a tenant to another version atomically ({@link #swap}), and a replaced
 * version's native memory is freed after a grace period, once no recall holds it.
 */
final class ServingTable {

    private static final Logger log = LoggerFactory.getLogger(ServingTable.class);

    /**
     * What should serve for one adapter, read under the registry's lock.
     *
     * @param tenant the adapter's tenant; null while it has none (nothing to swap)
     * @param version the version that should serve; 0 for the base encoder
     * @param entry that version's entry (its files and ranker policy); null for the base encoder
     */
    record Target(String tenant, long version, AdapterHistory.Entry entry) {}

    /** Loads the target version's adapter when the registry has no fresh copy of it at hand. */
    @FunctionalInterface
    interface Load {
        TenantAdapter load(Target target) throws AdapterLoader.Unusable;
    }

    private final TextEncoder encoder;
    private final Duration grace;
    private final Map<String, ServingAdapter> servedByAdapter = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicReference<ServingAdapter>> servingByTenant =
            new ConcurrentHashMap<>();
    private final List<Consumer<AdapterSwap>> observers = new CopyOnWriteArrayList<>();
    /** Serialises swaps: the registry's thread swaps on what it reads, a recall's thread on a failure. */
    private final Object swapLock = new Object();

    private final ScheduledExecutorService reclaimer;

    /** @param encoder the node's encoder; null on a BM25-only node, where nothing is ever swapped in */
    ServingTable(TextEncoder encoder, Duration grace) {
        this.encoder = encoder;
        this.grace = grace;
        this.reclaimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "engram-adapter-reclaimer");
            t.setDaemon(true);
            return t;
        });
    }

    /** See {@link AdapterRegistry#acquire}. */
    ServingAdapter acquire(String tenant) {
        AtomicReference<ServingAdapter> ref = servingByTenant.get(tenant);
        if (ref == null) {
            ServingAdapter base = ServingAdapter.base(tenant, encoder);
            base.tryAcquire();
            return base;
        }
        while (true) {
            ServingAdapter s = ref.get();
            if (s.tryAcquire()) {
                return s;
            }
            // Freed between the read and the lease: the reference already holds its successor.
        }
    }

    /** The base encoder for {@code tenant}, leased. */
    ServingAdapter base(String tenant) {
        ServingAdapter base = ServingAdapter.base(tenant, encoder);
        base.tryAcquire();
        return base;
    }

    String label(String tenant) {
        AtomicReference<ServingAdapter> ref = servingByTenant.get(tenant);
        return ref == null ? ServingAdapter.BASE : ref.get().label();
    }

    Map<String, String> labels() {
        Map<String, String> out = new TreeMap<>();
        servingByTenant.forEach((tenant, ref) -> {
            ServingAdapter s = ref.get();
            if (s != null && s.adapterName() != null) {
                out.put(tenant, s.label());
            }
        });
        return out;
    }

    /** The version of {@code adapterName} serving now, or null. */
    ServingAdapter servedBy(String adapterName) {
        return servedByAdapter.get(adapterName);
    }

    void onSwap(Consumer<AdapterSwap> observer) {
        observers.add(observer);
    }

    /**
     * Points the adapter's tenant at {@code target}'s version if another serves; {@code fresh} (that
     * version, already loaded, or null) is closed if unused.
     *
     * @param target read under the swap lock, so that concurrent swaps see each other's outcome
     * @param load loads the version when {@code fresh} is not it
     */
    void swap(
            String adapterName,
            Supplier<Target> target,
            TenantAdapter fresh,
            Load load,
            long polled,
            long delivered,
            long verified) {
        synchronized (swapLock) {
            swapLocked(adapterName, target.get(), fresh, load, polled, delivered, verified);
        }
    }

    private void swapLocked(
            String adapterName,
            Target target,
            TenantAdapter fresh,
            Load load,
            long polled,
            long delivered,
            long verified) {
        ServingAdapter current = servedByAdapter.get(adapterName);
        long currentVersion = current == null ? 0 : current.version();
        String tenant = target.tenant();
        if (tenant == null || encoder == null || currentVersion == target.version()) {
            closeQuietly(fresh);
            return;
        }
        ServingAdapter next;
        if (target.version() == 0) {
            next = ServingAdapter.base(tenant, encoder);
        } else if (target.entry().policyOnly()) {
            // No adapter to load: the version's ranker policy over the base encoder's query tower.
            closeQuietly(fresh);
            next = new ServingAdapter(
                    tenant,
                    adapterName,
                    target.version(),
                    encoder,
                    target.entry().policy(),
                    null);
        } else {
            TenantAdapter loaded = fresh;
            if (fresh == null || fresh.round() != (int) Math.min(target.version(), Integer.MAX_VALUE)) {
                closeQuietly(fresh);
                try {
                    loaded = load.load(target);
                    verified = System.nanoTime();
                } catch (AdapterLoader.Unusable e) {
                    log.error(
                            "cannot serve {} v{}: {}; {} keeps serving",
                            adapterName,
                            target.version(),
                            e.getMessage(),
                            current == null ? "the base encoder" : current.label());
                    return;
                }
            }
            next = new ServingAdapter(
                    tenant,
                    adapterName,
                    target.version(),
                    loaded.embedder(encoder),
                    target.entry().policy(),
                    loaded);
        }
        servedByAdapter.put(adapterName, next);
        ServingAdapter old = servingByTenant
                .computeIfAbsent(tenant, t -> new AtomicReference<>(ServingAdapter.base(t, encoder)))
                .getAndSet(next);
        long swapped = System.nanoTime();
        log.info(
                "tenant {} now served by {} (was {}; {} ms after the poll: verify {} ms)",
                tenant,
                next.label(),
                old.label(),
                (swapped - polled) / 1_000_000,
                (verified - delivered) / 1_000_000);
        AdapterSwap swap = new AdapterSwap(tenant, old.label(), next.label(), polled, delivered, verified, swapped);
        for (Consumer<AdapterSwap> observer : observers) {
            try {
                observer.accept(swap);
            } catch (RuntimeException e) {
                log.warn("a swap observer failed on {}: {}", swap, e.toString());
            }
        }
        retire(old);
    }

    /** Frees {@code old} after the grace period, once no lease holds it (at once after {@link #close}). */
    void retire(ServingAdapter old) {
        try {
            reclaimer.schedule(
                    () -> {
                        if (!old.tryFree()) {
                            retire(old);
                        }
                    },
                    grace.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            old.tryFree();
        }
    }

    static void closeQuietly(TenantAdapter adapter) {
        if (adapter != null) {
            adapter.close();
        }
    }

    /** Frees every serving adapter (recalls still in flight keep theirs until done). */
    void close() {
        reclaimer.shutdownNow();
        for (AtomicReference<ServingAdapter> ref : servingByTenant.values()) {
            ServingAdapter s = ref.get();
            if (s != null) {
                s.tryFree();
            }
        }
    }
}
