package dev.engram.node.recall;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Embedder;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.RecallResult;
import dev.engram.node.internal.Async;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.registry.AdapterRegistry;
import dev.engram.node.registry.ServingAdapter;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Recalls the cases of one tenant for a task, off the caller's thread (Lucene and the embedder
 * block).
 *
 * <pre>{@code
 * recaller.recall("acme", "flutter of a heated wing", 10)
 *         .thenAccept(a -> a.result().positives().forEach(System.out::println));
 * }</pre>
 */
public final class Recaller {

    /** The adapter version reported while no tuned adapter is loaded. */
    public static final String BASE_ADAPTER = "base";

    private final CaseStore store;
    private final Embedder embedder;
    private final Executor blocking;
    private final NodeMetrics metrics;
    private final AdapterRegistry adapters;

    /** @param embedder {@code null} for BM25-only recall */
    public Recaller(CaseStore store, Embedder embedder, Executor blocking, NodeMetrics metrics) {
        this(store, embedder, blocking, metrics, null);
    }

    /**
     * @param embedder {@code null} for BM25-only recall
     * @param adapters the node's adapter registry (queries of a tenant with a serving adapter go
     *     through it); {@code null} to always use {@code embedder}
     */
    public Recaller(CaseStore store, Embedder embedder, Executor blocking, NodeMetrics metrics,
            AdapterRegistry adapters) {
        this.store = Objects.requireNonNull(store, "store");
        this.embedder = embedder;
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.adapters = adapters;
    }

    /** {@code "hybrid"} with an embedder, else {@code "bm25"}. */
    public String mode() {
        return embedder == null ? "bm25" : "hybrid";
    }

    /** The adapter version recall runs with now. */
    public String adapterVersion() {
        return BASE_ADAPTER;
    }

    /**
     * The top {@code k} cases of {@code tenant} for {@code task}. Fails with
     * {@link IllegalArgumentException} (naming the field) for a bad tenant, task or k.
     */
    public CompletionStage<RecallAnswer> recall(String tenant, String task, int k) {
        return Async.supply(() -> {
            long start = System.nanoTime();
            // Read the tenant's adapter once: a swap during this recall does not affect it.
            ServingAdapter serving = adapters == null || embedder == null ? null : adapters.acquire(tenant);
            try {
                Embedder queries = serving != null && serving.queryEmbedder() != null ? serving.queryEmbedder()
                        : embedder;
                float[] vector = null;
                if (queries != null) {
                    try (NoGradScope ignored = NoGradScope.enter()) {
                        vector = queries.embedQuery(task);
                    }
                }
                RecallResult result = store.recall(new RecallQuery(tenant, task, vector, k));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                metrics.recallDone(took);
                return new RecallAnswer(result, mode(), serving == null ? BASE_ADAPTER : serving.label(), took);
            } finally {
                if (serving != null) {
                    serving.release();
                }
            }
        }, blocking);
    }
}
