package dev.engram.node.recall;

import dev.engram.memory.CaseStore;
import dev.engram.memory.Embedder;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.RecallResult;
import dev.engram.node.internal.Async;
import dev.engram.node.internal.NodeMetrics;
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

    /** @param embedder {@code null} for BM25-only recall */
    public Recaller(CaseStore store, Embedder embedder, Executor blocking, NodeMetrics metrics) {
        this.store = Objects.requireNonNull(store, "store");
        this.embedder = embedder;
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
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
            float[] vector = embedder == null ? null : embedder.embedQuery(task);
            RecallResult result = store.recall(new RecallQuery(tenant, task, vector, k));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            metrics.recallDone(took);
            return new RecallAnswer(result, mode(), adapterVersion(), took);
        }, blocking);
    }
}
