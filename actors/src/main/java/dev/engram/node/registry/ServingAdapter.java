package dev.engram.node.registry;

import dev.engram.memory.Embedder;
import dev.engram.retriever.ranking.RankerPolicy;
import dev.engram.streams.AdapterKey;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one tenant's recall runs with: its retriever policy as one version — the adapter version, its
 * query embedder (the base encoder's for {@link #BASE} and for a policy-only version, which carries
 * no adapter) and the ranker policy published with it (untuned reciprocal rank fusion for the base). Immutable; the registry swaps a tenant's whole instance at once.
 *
 * <p>A recall {@linkplain AdapterRegistry#acquire(String) acquires} it and {@link #release()}s it
 * when done; a replaced adapter frees its native memory only once no recall holds it, so recalls in
 * flight during a swap finish on the version they started with.
 */
public final class ServingAdapter {

    /** The version label while no tuned adapter serves. */
    public static final String BASE = "base";

    private static final int CLOSED = -1;

    private final String tenant;
    private final String adapterName;
    private final long version;
    private final Embedder queryEmbedder;
    private final RankerPolicy policy;
    private final AutoCloseable resources;
    private final AtomicInteger leases = new AtomicInteger();

    ServingAdapter(
            String tenant,
            String adapterName,
            long version,
            Embedder queryEmbedder,
            RankerPolicy policy,
            AutoCloseable resources) {
        this.tenant = Objects.requireNonNull(tenant, "servingAdapter.tenant is required");
        this.adapterName = adapterName;
        this.version = version;
        this.queryEmbedder = queryEmbedder;
        this.policy = Objects.requireNonNull(policy, "servingAdapter.policy is required");
        this.resources = resources;
    }

    /**
     * A candidate version, for the gate to score before anything serves it: its resources stay with
     * the caller (never freed by this instance).
     */
    public static ServingAdapter candidate(
            String tenant, String adapterName, long version, Embedder queryEmbedder, RankerPolicy policy) {
        return new ServingAdapter(tenant, adapterName, version, queryEmbedder, policy, null);
    }

    /** The base encoder for {@code tenant} ({@code embedder} null for BM25-only nodes); never freed. */
    static ServingAdapter base(String tenant, Embedder embedder) {
        return new ServingAdapter(tenant, null, 0, embedder, RankerPolicy.untuned(), null);
    }

    public String tenant() {
        return tenant;
    }

    /** The adapter's name, or {@code null} for the base encoder. */
    public String adapterName() {
        return adapterName;
    }

    /** The version, 0 for the base encoder. */
    public long version() {
        return version;
    }

    /** {@code "<adapterName>/v<version>"}, e.g. {@code "cranfield-retriever/v3"}, or {@value #BASE}. */
    public String label() {
        return adapterName == null
                ? BASE
                : AdapterKey.version(adapterName, version).toString();
    }

    /** The ranker policy of this version (untuned reciprocal rank fusion for the base encoder). */
    public RankerPolicy policy() {
        return policy;
    }

    /** Embeds queries through the adapter; {@code null} on a BM25-only node. */
    public Embedder queryEmbedder() {
        return queryEmbedder;
    }

    /** Takes a lease; {@code false} once the adapter has been freed (re-read the tenant's reference). */
    boolean tryAcquire() {
        while (true) {
            int n = leases.get();
            if (n == CLOSED) {
                return false;
            }
            if (leases.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back a lease taken by {@link AdapterRegistry#acquire(String)}. */
    public void release() {
        leases.decrementAndGet();
    }

    /** Frees the native memory if no recall holds a lease; {@code true} when freed (or nothing to free). */
    boolean tryFree() {
        if (resources == null) {
            return true;
        }
        if (!leases.compareAndSet(0, CLOSED)) {
            return leases.get() == CLOSED;
        }
        try {
            resources.close();
        } catch (Exception e) {
            // freeing native memory of a replaced adapter; nothing a caller could do
        }
        return true;
    }

    boolean freed() {
        return leases.get() == CLOSED;
    }

    @Override
    public String toString() {
        return "ServingAdapter[" + tenant + " " + label() + "]";
    }
}
