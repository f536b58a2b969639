package dev.engram.node.adapters;

import dev.engram.memory.Embedder;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded adapter version as it serves one tenant: which version it is and the query-side
 * embedder it makes. What it names never changes; a swap replaces the whole object.
 *
 * <p><b>Memory.</b> The adapter's DJL arrays are freed only when nothing uses them any more: the
 * {@link ServingTable} holds one reference while the adapter is current, and every recall holds
 * one while it runs ({@link ServingTable#lease}). When the table lets go ({@link #retire()}) and the
 * last recall in flight finishes, {@code onClose} runs, exactly once.
 */
public final class ServingAdapter {

    private final String tenant;
    private final String adapterName;
    private final long version;
    private final Embedder queryEmbedder;
    private final AutoCloseable onClose;
    private final AtomicInteger references = new AtomicInteger(1);
    private final AtomicBoolean retired = new AtomicBoolean();

    /**
     * @param queryEmbedder embeds the tenant's queries through the adapter
     * @param onClose frees the adapter's memory once it is retired and no recall uses it
     */
    public ServingAdapter(String tenant, String adapterName, long version, Embedder queryEmbedder,
            AutoCloseable onClose) {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("servingAdapter.tenant is required");
        }
        if (adapterName == null || adapterName.isBlank()) {
            throw new IllegalArgumentException("servingAdapter.adapterName is required");
        }
        if (version < 1) {
            throw new IllegalArgumentException("servingAdapter.version must be >= 1, was " + version);
        }
        this.tenant = tenant;
        this.adapterName = adapterName;
        this.version = version;
        this.queryEmbedder = Objects.requireNonNull(queryEmbedder, "servingAdapter.queryEmbedder is required");
        this.onClose = Objects.requireNonNull(onClose, "servingAdapter.onClose is required");
    }

    /** The label recall responses carry: {@code "<adapterName>/v<version>"}, the version's record key. */
    public static String label(String adapterName, long version) {
        return adapterName + "/v" + version;
    }

    public String tenant() {
        return tenant;
    }

    public String adapterName() {
        return adapterName;
    }

    public long version() {
        return version;
    }

    /** {@code "<adapterName>/v<version>"}, e.g. {@code "acme-retriever/v3"}. */
    public String label() {
        return label(adapterName, version);
    }

    public Embedder queryEmbedder() {
        return queryEmbedder;
    }

    /** {@code true} once its memory has been freed. */
    public boolean closed() {
        return references.get() == 0;
    }

    /** Takes a reference unless the adapter is already freed. */
    boolean tryAcquire() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back a reference taken by {@link #tryAcquire()}. */
    void release() {
        if (references.decrementAndGet() == 0) {
            try {
                onClose.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(ServingAdapter.class)
                        .warn("freeing adapter {} failed: {}", label(), e.toString());
            }
        }
    }

    /** Gives back the table's own reference (once; later calls do nothing). */
    public void retire() {
        if (retired.compareAndSet(false, true)) {
            release();
        }
    }

    @Override
    public String toString() {
        return "ServingAdapter[" + label() + " for tenant " + tenant + (closed() ? ", freed" : "") + "]";
    }
}
