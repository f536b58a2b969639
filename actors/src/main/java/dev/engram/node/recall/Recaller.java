package dev.engram.node.recall;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Embedder;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallMode;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.RecallResult;
import dev.engram.node.internal.Async;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.registry.AdapterRegistry;
import dev.engram.node.registry.ServingAdapter;
import dev.engram.node.registry.UnknownVersionException;
import dev.engram.node.registry.VersionUnavailableException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;

/**
 * Recalls the cases of one tenant for a task, off the caller's thread (Lucene and the embedder
 * block): the store's candidates for the mode, ordered by the tenant's {@link Ranker} (the store's
 * reciprocal-rank fusion unless a ranker of the tenant is plugged in), split positive/negative.
 * When the tenant's serving adapter version fails to embed the task (it throws, or its vector is
 * not finite), the recall falls back through {@link AdapterRegistry#fallBack} to the version that
 * serves instead (its parent, or the base encoder) and still answers, naming the failed version in
 * {@link RecallAnswer#fallbackFrom()}.
 *
 * <p>At most {@code maxConcurrent} recalls run at once; one more fails at once with
 * {@link RecallsSaturatedException} (the HTTP API's 429 with {@code Retry-After}) instead of
 * queueing behind them. Give {@code blocking} as many threads (the node's recall dispatcher), so an
 * admitted recall never waits for a thread either.
 *
 * <pre>{@code
 * recaller.recall("acme", "flutter of a heated wing", 10)
 *         .thenAccept(a -> a.result().positives().forEach(System.out::println));
 * }</pre>
 */
public final class Recaller implements RecallService {

    /** The adapter version reported while no tuned adapter is loaded. */
    public static final String BASE_ADAPTER = "base";

    /** What a refused recall is told: a recall takes milliseconds, so a second is plenty. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    /** Versions one recall falls back through at most (each fallback marks one failed) before the base answers. */
    private static final int MAX_FALLBACKS = 8;

    private final CaseStore store;
    private final Embedder embedder;
    private final Executor blocking;
    private final NodeMetrics metrics;
    private final AdapterRegistry adapters;
    private final RankerSource rankers;
    private final int maxConcurrent;
    private final Semaphore running;

    /** @param embedder {@code null} for BM25-only recall */
    public Recaller(CaseStore store, Embedder embedder, Executor blocking, NodeMetrics metrics) {
        this(store, embedder, blocking, metrics, null);
    }

    /**
     * @param embedder {@code null} for BM25-only recall
     * @param adapters the node's adapter registry (queries of a tenant with a serving adapter go
     *     through it); {@code null} to always use {@code embedder}
     */
    public Recaller(
            CaseStore store, Embedder embedder, Executor blocking, NodeMetrics metrics, AdapterRegistry adapters) {
        this(store, embedder, blocking, metrics, adapters, null);
    }

    /**
     * @param embedder {@code null} for BM25-only recall
     * @param adapters the node's adapter registry (queries of a tenant with a serving adapter go
     *     through it); {@code null} to always use {@code embedder}
     * @param rankers the ranker of each tenant, asked once per recall (e.g. the learned ranker of its
     *     serving policy); {@code null} for the store's {@link CaseStore#defaultRanker() default ranker}
     *     for every tenant
     */
    public Recaller(
            CaseStore store,
            Embedder embedder,
            Executor blocking,
            NodeMetrics metrics,
            AdapterRegistry adapters,
            RankerSource rankers) {
        this(store, embedder, blocking, metrics, adapters, rankers, Integer.MAX_VALUE);
    }

    /**
     * As above, running at most {@code maxConcurrent} recalls at once.
     *
     * @param maxConcurrent at least 1; one recall more fails with {@link RecallsSaturatedException}
     */
    public Recaller(
            CaseStore store,
            Embedder embedder,
            Executor blocking,
            NodeMetrics metrics,
            AdapterRegistry adapters,
            RankerSource rankers,
            int maxConcurrent) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be >= 1, was " + maxConcurrent);
        }
        this.maxConcurrent = maxConcurrent;
        this.running = new Semaphore(maxConcurrent);
        this.store = Objects.requireNonNull(store, "store");
        this.embedder = embedder;
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.adapters = adapters;
        Ranker untuned = store.defaultRanker();
        this.rankers = rankers != null ? rankers : (tenant, serving) -> untuned;
    }

    /** {@code "hybrid"} with an embedder, else {@code "bm25"}: what a recall without a mode does. */
    public String mode() {
        return defaultMode().wireName();
    }

    private static boolean finite(float[] v) {
        if (v == null) {
            return false;
        }
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private RecallMode defaultMode() {
        return embedder == null ? RecallMode.BM25 : RecallMode.HYBRID;
    }

    /**
     * The top {@code k} cases of {@code tenant} for {@code task}, in the node's default mode. Fails
     * with {@link IllegalArgumentException} (naming the field) for a bad tenant, task or k.
     */
    public CompletionStage<RecallAnswer> recall(String tenant, String task, int k) {
        return recall(tenant, task, k, null);
    }

    /**
     * The top {@code k} cases of {@code tenant} for {@code task} ranked by {@code mode} ({@code null}:
     * the node's default). Fails with {@link IllegalArgumentException} (naming the field) for a bad
     * tenant, task or k, and for a mode that needs an embedder on a node without one.
     */
    @Override
    public CompletionStage<RecallAnswer> recall(String tenant, String task, int k, RecallMode mode) {
        if (!running.tryAcquire()) {
            metrics.recallRefused();
            return CompletableFuture.failedFuture(new RecallsSaturatedException(maxConcurrent, RETRY_AFTER));
        }
        CompletableFuture<RecallAnswer> answer;
        try {
            answer = run(tenant, task, k, mode);
        } catch (RuntimeException | Error e) {
            running.release();
            throw e;
        }
        return answer.whenComplete((a, failure) -> running.release());
    }

    /**
     * The top {@code k} cases of {@code tenant} for {@code task} as one version of its retriever
     * policy would rank them, whether that version serves or not ({@link AdapterRegistry#acquireVersion}
     * says which versions may be named): its query adapter embeds the task and its ranker policy
     * orders the candidates. For trying versions side by side; it never falls back, never marks a
     * version failed and is not counted in the recall metrics. Fails with
     * {@link UnknownVersionException} or
     * {@link VersionUnavailableException} (inside a
     * {@link CompletionException}) for a version that cannot be tried.
     */
    public CompletionStage<RecallAnswer> trial(String tenant, String version, String task, int k, RecallMode mode) {
        if (!running.tryAcquire()) {
            metrics.recallRefused();
            return CompletableFuture.failedFuture(new RecallsSaturatedException(maxConcurrent, RETRY_AFTER));
        }
        RecallMode effective = mode == null ? defaultMode() : mode;
        CompletableFuture<RecallAnswer> answer = Async.supply(
                () -> {
                    if (effective.usesVector() && embedder == null) {
                        throw new IllegalArgumentException("mode '" + effective.wireName()
                                + "' needs a node with an embedder; this node recalls bm25 only");
                    }
                    if (adapters == null) {
                        throw new IllegalArgumentException(
                                "this node has no adapter registry: only its base " + "encoder recalls");
                    }
                    long start = System.nanoTime();
                    ServingAdapter tried;
                    try {
                        tried = adapters.acquireVersion(tenant, version);
                    } catch (UnknownVersionException | VersionUnavailableException e) {
                        throw new CompletionException(e);
                    }
                    try {
                        float[] vector = null;
                        if (effective.usesVector()) {
                            Embedder queries = tried.queryEmbedder() != null ? tried.queryEmbedder() : embedder;
                            try (NoGradScope ignored = NoGradScope.enter()) {
                                vector = queries.embedQuery(task);
                            }
                            if (!finite(vector)) {
                                throw new CompletionException(new VersionUnavailableException(tried.label()
                                        + " gave a query vector that is not finite (NaN or infinity) "
                                        + "for this task"));
                            }
                        }
                        RecallQuery query = RecallQuery.of(effective, tenant, task, vector, k);
                        // A bm25 recall has no query vector, so only the untuned order applies (as in recall).
                        Ranker ranker = Objects.requireNonNull(
                                rankers.ranker(tenant, effective.usesVector() ? tried : null),
                                () -> "the ranker function returned no ranker for tenant " + tenant);
                        RecallResult result = store.recall(query, ranker);
                        return new RecallAnswer(
                                result,
                                effective.wireName(),
                                tried.label(),
                                Duration.ofNanos(System.nanoTime() - start),
                                null);
                    } finally {
                        tried.release();
                    }
                },
                blocking);
        return answer.whenComplete((a, failure) -> running.release());
    }

    /** Recalls running now (for tests and health). */
    public int running() {
        return maxConcurrent - running.availablePermits();
    }

    private CompletableFuture<RecallAnswer> run(String tenant, String task, int k, RecallMode mode) {
        RecallMode effective = mode == null ? defaultMode() : mode;
        return Async.supply(
                () -> {
                    if (effective.usesVector() && embedder == null) {
                        throw new IllegalArgumentException(
                                "mode '" + effective.wireName() + "' needs a node with an embedder "
                                        + "(engram serve --embedder minilm); this node recalls bm25 only");
                    }
                    long start = System.nanoTime();
                    // Read the tenant's adapter once: a swap during this recall does not affect it.
                    ServingAdapter serving =
                            adapters == null || !effective.usesVector() ? null : adapters.acquire(tenant);
                    String fallbackFrom = null;
                    try {
                        float[] vector = null;
                        for (int attempt = 0; effective.usesVector(); attempt++) {
                            Embedder queries = serving != null && serving.queryEmbedder() != null
                                    ? serving.queryEmbedder()
                                    : embedder;
                            String failure;
                            try (NoGradScope ignored = NoGradScope.enter()) {
                                vector = queries.embedQuery(task);
                                failure = finite(vector) ? null : "the query vector is not finite (NaN or infinity)";
                            } catch (RuntimeException e) {
                                if (serving == null || serving.adapterName() == null) {
                                    throw e;
                                }
                                failure = "embedding the query threw " + e;
                            }
                            if (failure == null
                                    || serving == null
                                    || serving.adapterName() == null
                                    || attempt >= MAX_FALLBACKS) {
                                break; // served; or the base encoder itself, whose vector the store judges
                            }
                            // The serving version broke at recall time: fall back (parent or base), answer anyway.
                            if (fallbackFrom == null) {
                                fallbackFrom = serving.label();
                            }
                            ServingAdapter failed = serving;
                            serving = adapters.fallBack(failed, failure);
                            failed.release();
                        }
                        RecallQuery query = RecallQuery.of(effective, tenant, task, vector, k);
                        Ranker ranker = Objects.requireNonNull(
                                rankers.ranker(tenant, serving),
                                () -> "the ranker function returned no ranker for tenant " + tenant);
                        RecallResult result = store.recall(query, ranker);
                        Duration took = Duration.ofNanos(System.nanoTime() - start);
                        metrics.recallDone(took);
                        return new RecallAnswer(
                                result,
                                effective.wireName(),
                                serving == null ? BASE_ADAPTER : serving.label(),
                                took,
                                fallbackFrom);
                    } finally {
                        if (serving != null) {
                            serving.release();
                        }
                    }
                },
                blocking);
    }
}
