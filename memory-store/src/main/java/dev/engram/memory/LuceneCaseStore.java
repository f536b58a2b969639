package dev.engram.memory;

import dev.engram.memory.internal.CaseCounters;
import dev.engram.memory.internal.CaseIndex;
import dev.engram.memory.internal.CaseDocuments;
import dev.engram.memory.internal.CommitPolicy;
import dev.engram.memory.internal.FusedRecall;
import dev.engram.memory.internal.JudgementTally;
import dev.engram.memory.internal.PendingWrites;
import dev.engram.memory.internal.ReciprocalRankFusion;
import dev.engram.memory.internal.StoredCase;
import dev.engram.memory.internal.TenantScopedSearcher;
import dev.engram.memory.internal.UnitVectors;
import dev.engram.memory.internal.VectorGenerations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.util.QueryBuilder;

/**
 * The {@link CaseStore} on Lucene 9: one index in one directory, one document per case.
 *
 * <p><b>Layout.</b> Tenant and case id are indexed keyword fields; the case text (task, plan,
 * outcome) is analysed with {@code EnglishAnalyzer} (stopwords, Porter stemming) for BM25; vectors
 * are HNSW with the dot product on unit vectors (cosine), int8 scalar-quantized when
 * {@link CaseStoreConfig#quantizedVectors()}. The statistics are numeric doc values, updated in
 * place by {@code IndexWriter.updateDocValues}.
 *
 * <p><b>Vector generations.</b> A tenant's vectors live in the field of its active generation
 * ({@code vector}, or {@code vector_g<N>} after {@link #beginReembedding re-embeddings}); the active
 * generation of each tenant is stored in the commit user data next to (and hidden from)
 * {@link #committedData()}. A re-embedding rewrites each case document with the old and the new
 * vector (stored fields and counters kept), and its commit switches the generation under the write
 * lock after a refresh, then commits. A recall reads the generation before acquiring its searcher
 * and retries if it changed meanwhile, so it always searches one complete generation.
 *
 * <p><b>Idempotency.</b> An episode's case document is its receipt: (tenant, eventId) is applied
 * iff the tenant has a case with that id. The case and its judgements' counter updates are
 * written under one lock that {@link #commit} also takes, so a commit holds all of an episode or
 * none of it, and a crash loses whole episodes only. Writes are not refreshed into the searcher
 * one by one; the store keeps the counters of every case written since the last refresh in memory
 * and consults them before the searcher, so the check and the counters are exact with pending
 * (unflushed, unrefreshed, uncommitted) writes too. Reads refresh first when anything is pending.
 *
 * <p><b>Failure.</b> If a write fails half-way the store rolls back to its last commit and refuses
 * further calls; reopen it and replay the stream from {@link #committedData()}.
 *
 * <pre>{@code
 * try (LuceneCaseStore store = LuceneCaseStore.open(Path.of("data/cases"), CaseStoreConfig.defaults())) {
 *     store.ingest(episode, null);
 *     store.commitIfDue(Map.of("engram.feedback-0", "1234"));
 * }
 * }</pre>
 */
public final class LuceneCaseStore implements CaseStore {
    /** Refresh the searcher once this many cases are pending, to bound the in-memory view. */
    private static final int MAX_PENDING = 50_000;

    private final Path path;
    private final CaseStoreConfig config;
    private final CaseIndex index;
    private final IndexWriter writer;
    private final QueryBuilder queryBuilder;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final PendingWrites pending = new PendingWrites();
    private final CommitPolicy policy;
    private final AtomicLong unknownJudgements = new AtomicLong();
    private volatile boolean stale;
    private volatile Map<String, String> committedData;
    private volatile boolean closed;
    private volatile Throwable failure;
    /** Tenant -> active vector generation (absent: 0); replaced as a whole under the write lock. */
    private volatile Map<String, Integer> activeGenerations;
    /** The running re-embedding of each tenant; under the write lock. */
    private final Map<String, LuceneVectorReembedding> reembeddings = new HashMap<>();
    /** The highest vector generation ever handed out by this store; under the write lock. */
    private int highestGeneration;

    private LuceneCaseStore(Path path, CaseStoreConfig config, CaseIndex index, QueryBuilder queryBuilder) {
        this.path = path;
        this.config = config;
        this.index = index;
        this.writer = index.writer();
        this.queryBuilder = queryBuilder;
        this.committedData = Map.copyOf(VectorGenerations.withoutGenerations(index.commitDataAtOpen()));
        this.activeGenerations = VectorGenerations.fromCommitData(index.commitDataAtOpen());
        this.policy = new CommitPolicy(config.commitEveryEvents(), config.commitInterval(), config.clock());
    }

    /**
     * Opens (or creates) the store in {@code dir}. Only one store may have a directory open at a time.
     *
     * @throws UncheckedIOException when the directory cannot be opened or is locked by another writer
     */
    public static LuceneCaseStore open(Path dir, CaseStoreConfig config) {
        EnglishAnalyzer analyzer = new EnglishAnalyzer();
        try {
            CaseIndex index = CaseIndex.open(dir, analyzer, config.quantizedVectors());
            return new LuceneCaseStore(dir, config, index, new QueryBuilder(analyzer));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the case store in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The settings this store runs with. */
    public CaseStoreConfig config() {
        return config;
    }

    @Override
    public boolean ingest(Episode episode, float[] vector) {
        CaseDocuments.checkId(episode.tenant(), "episode.tenant");
        CaseDocuments.checkId(episode.eventId(), "episode.eventId");
        float[] unit = vector == null ? null : UnitVectors.normalized(vector, config.vectorDimension(), "vector");
        String tenant = episode.tenant();
        return underWriteLock(() -> {
            IndexSearcher s = index.acquire();
            try {
                TenantScopedSearcher view = new TenantScopedSearcher(s, queryBuilder);
                if (currentCounters(view, tenant, episode.eventId()) != null) {
                    return false;
                }
                boolean rewardSaysUseful = episode.reward() >= config.positiveRewardThreshold();
                long at = episode.timestamp().toEpochMilli();
                Map<String, CaseCounters> updates = new HashMap<>();
                for (Map.Entry<String, JudgementTally> t : JudgementTally.of(episode.judgements(), rewardSaysUseful)
                        .entrySet()) {
                    CaseCounters current = t.getKey().indexOf('\u0000') >= 0 ? null
                            : currentCounters(view, tenant, t.getKey());
                    if (current == null) {
                        unknownJudgements.addAndGet(t.getValue().recalled());
                    } else {
                        updates.put(t.getKey(), current.plus(t.getValue().recalled(), t.getValue().useful(), at));
                    }
                }
                applyLocked(episode, unit, updates);
            } finally {
                index.release(s);
            }
            if (pending.size() > MAX_PENDING) {
                refreshLocked();
            }
            return true;
        });
    }

    /** Writes an episode's case and counter updates; any failure here rolls the store back and poisons it. */
    private void applyLocked(Episode episode, float[] unit, Map<String, CaseCounters> updates) {
        String tenant = episode.tenant();
        try {
            for (Map.Entry<String, CaseCounters> u : updates.entrySet()) {
                writer.updateDocValues(CaseDocuments.keyTerm(tenant, u.getKey()),
                        CaseDocuments.counterFields(u.getValue()));
                pending.put(CaseDocuments.key(tenant, u.getKey()), u.getValue());
            }
            writer.addDocument(CaseDocuments.of(episode, activeGeneration(tenant), unit));
            pending.put(CaseDocuments.key(tenant, episode.eventId()),
                    CaseCounters.initial(episode.timestamp().toEpochMilli()));
            stale = true;
            policy.eventApplied();
        } catch (IOException | RuntimeException | Error e) {
            throw fail("apply event " + episode.eventId(), e);
        }
    }

    private CaseCounters currentCounters(TenantScopedSearcher view, String tenant, String caseId) throws IOException {
        CaseCounters p = pending.get(CaseDocuments.key(tenant, caseId));
        return p != null ? p : view.counters(tenant, caseId);
    }

    @Override
    public RecallResult recall(RecallQuery q) {
        float[] unit = q.vector() == null ? null
                : UnitVectors.normalized(q.vector(), config.vectorDimension(), "recallQuery.vector");
        // BM25 alone needs no fusion (RRF keeps its order), so k hits suffice and BM25's top-k pruning works best.
        int depth = unit == null ? q.k() : config.candidateDepth(q.k());
        return readTenant(q.tenant(), (view, generation) -> {
            ScoreDoc[] bm25 = q.text().isBlank() ? new ScoreDoc[0] : view.bm25(q.tenant(), q.text(), depth);
            ScoreDoc[] knn = unit == null ? new ScoreDoc[0] : view.knn(q.tenant(), generation, unit, depth);
            List<ReciprocalRankFusion.Fused> fused = ReciprocalRankFusion.fuse(bm25, knn, config.rrfK());
            return FusedRecall.assemble(fused, q.k(), unit != null, depth, view, config);
        });
    }

    @Override
    public Optional<Case> get(String tenant, String caseId) {
        CaseDocuments.checkId(tenant, "tenant");
        CaseDocuments.checkId(caseId, "caseId");
        return read(view -> view.get(tenant, caseId));
    }

    @Override
    public long count(String tenant) {
        CaseDocuments.checkId(tenant, "tenant");
        return read(view -> view.count(tenant));
    }

    @Override
    public List<Case> cases(String tenant, String afterCaseId, int limit) {
        CaseDocuments.checkId(tenant, "tenant");
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be in [1, 10000], was " + limit);
        }
        return read(view -> view.page(tenant, afterCaseId, limit));
    }

    @Override
    public boolean updateVector(String tenant, String caseId, float[] vector) {
        CaseDocuments.checkId(tenant, "tenant");
        CaseDocuments.checkId(caseId, "caseId");
        float[] unit = UnitVectors.normalized(vector, config.vectorDimension(), "vector");
        return underWriteLock(() -> rewriteVectorsLocked(tenant, caseId, v -> v.put(activeGeneration(tenant), unit)));
    }

    /** The tenant's active vector generation: the one recall, ingest and updateVector use. */
    public int activeVectorGeneration(String tenant) {
        CaseDocuments.checkId(tenant, "tenant");
        return activeGeneration(tenant);
    }

    private int activeGeneration(String tenant) {
        return activeGenerations.getOrDefault(tenant, 0);
    }

    /**
     * Rewrites a case's document (stored fields and counters kept) with its vectors of the active
     * generation and of the running re-embedding's, as changed by {@code edit}; other generations are
     * dropped. Returns false when the tenant has no such case.
     */
    private boolean rewriteVectorsLocked(String tenant, String caseId, Consumer<Map<Integer, float[]>> edit)
            throws IOException {
        String key = CaseDocuments.key(tenant, caseId);
        if (pending.contains(key)) {
            refreshLocked(); // written since the last refresh: the searcher does not show its latest document yet
        }
        List<Integer> kept = new java.util.ArrayList<>(List.of(activeGeneration(tenant)));
        LuceneVectorReembedding running = reembeddings.get(tenant);
        if (running != null) {
            kept.add(running.generation());
        }
        IndexSearcher s = index.acquire();
        try {
            Optional<StoredCase> c = new TenantScopedSearcher(s, queryBuilder).stored(tenant, caseId, kept);
            if (c.isEmpty()) {
                return false;
            }
            Map<Integer, float[]> vectors = new HashMap<>(c.get().vectorsByGeneration());
            edit.accept(vectors);
            try {
                writer.updateDocument(CaseDocuments.keyTerm(tenant, caseId),
                        CaseDocuments.of(c.get().kase(), c.get().counters(), vectors));
            } catch (IOException | RuntimeException e) {
                throw fail("rewrite the vectors of " + caseId, e);
            }
            pending.put(key, c.get().counters());
            stale = true;
            policy.changed();
            return true;
        } finally {
            index.release(s);
        }
    }

    @Override
    public VectorReembedding beginReembedding(String tenant) {
        CaseDocuments.checkId(tenant, "tenant");
        return underWriteLock(() -> {
            if (reembeddings.containsKey(tenant)) {
                throw new IllegalStateException("tenant " + tenant + " already has a re-embedding running "
                        + "(generation " + reembeddings.get(tenant).generation() + "); commit or abort it first");
            }
            refreshLocked();
            IndexSearcher s = index.acquire();
            try {
                int inIndex = new TenantScopedSearcher(s, queryBuilder).highestVectorGeneration();
                int active = activeGenerations.values().stream().mapToInt(Integer::intValue).max().orElse(0);
                // fresh per store: vectors of an abandoned attempt (e.g. before a crash) never count as put
                highestGeneration = Math.max(highestGeneration, Math.max(inIndex, active)) + 1;
            } finally {
                index.release(s);
            }
            LuceneVectorReembedding r = new LuceneVectorReembedding(this, tenant, highestGeneration);
            reembeddings.put(tenant, r);
            return r;
        });
    }

    boolean reembeddingPut(LuceneVectorReembedding r, String caseId, float[] vector) {
        CaseDocuments.checkId(caseId, "caseId");
        float[] unit = UnitVectors.normalized(vector, config.vectorDimension(), "vector");
        return underWriteLock(() -> {
            ensureRunning(r);
            return rewriteVectorsLocked(r.tenant(), caseId, v -> v.put(r.generation(), unit));
        });
    }

    VectorReembedding.Progress reembeddingProgress(LuceneVectorReembedding r) {
        return read(view -> new VectorReembedding.Progress(
                view.countWithVectorOnlyIn(r.tenant(), r.generation(), -1),
                view.countWithVectorOnlyIn(r.tenant(), activeGeneration(r.tenant()), r.generation())));
    }

    List<String> reembeddingMissing(LuceneVectorReembedding r, int limit) {
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be in [1, 10000], was " + limit);
        }
        return read(view -> view.caseIdsWithVectorOnlyIn(r.tenant(), activeGeneration(r.tenant()), r.generation(),
                limit));
    }

    void reembeddingCommit(LuceneVectorReembedding r) {
        underWriteLock(() -> {
            ensureRunning(r);
            refreshLocked();
            String tenant = r.tenant();
            IndexSearcher s = index.acquire();
            long missing;
            try {
                missing = new TenantScopedSearcher(s, queryBuilder)
                        .countWithVectorOnlyIn(tenant, activeGeneration(tenant), r.generation());
            } finally {
                index.release(s);
            }
            if (missing > 0) {
                throw new IllegalStateException(missing + " case(s) of tenant " + tenant + " have a vector but no "
                        + "new one of generation " + r.generation() + " (e.g. they arrived during the "
                        + "re-embedding); put them (see missingCaseIds) and commit again");
            }
            Map<String, Integer> next = new HashMap<>(activeGenerations);
            next.put(tenant, r.generation());
            activeGenerations = Map.copyOf(next); // the switch: recalls read this once each
            reembeddings.remove(tenant);
            r.finished();
            return commitLocked(null);
        });
    }

    void reembeddingAbort(LuceneVectorReembedding r) {
        underWriteLock(() -> {
            ensureRunning(r);
            reembeddings.remove(r.tenant()); // from now on a rewrite keeps the active generation only
            r.finished();
            while (true) {
                refreshLocked();
                IndexSearcher s = index.acquire();
                List<String> ids;
                try {
                    ids = new TenantScopedSearcher(s, queryBuilder)
                            .caseIdsWithVectorOnlyIn(r.tenant(), r.generation(), -1, 1000);
                } finally {
                    index.release(s);
                }
                if (ids.isEmpty()) {
                    return null;
                }
                for (String id : ids) {
                    rewriteVectorsLocked(r.tenant(), id, v -> { });
                }
            }
        });
    }

    private void ensureRunning(LuceneVectorReembedding r) {
        if (reembeddings.get(r.tenant()) != r) {
            throw new IllegalStateException("the re-embedding of tenant " + r.tenant() + " to generation "
                    + r.generation() + " was already committed or aborted");
        }
    }

    @Override
    public void commit(Map<String, String> commitData) {
        Map<String, String> data = Map.copyOf(commitData);
        underWriteLock(() -> commitLocked(data));
    }

    @Override
    public void commit() {
        underWriteLock(() -> commitLocked(null));
    }

    /** Commits with the given data, or the last commit's when null; returns true. */
    private boolean commitLocked(Map<String, String> dataOrNull) {
        Map<String, String> data = dataOrNull == null ? committedData : dataOrNull;
        try {
            index.commit(VectorGenerations.withGenerations(data, activeGenerations));
        } catch (IOException | RuntimeException e) {
            throw fail("commit", e);
        }
        committedData = data;
        policy.committed();
        return true;
    }

    @Override
    public Map<String, String> committedData() {
        return committedData;
    }

    @Override
    public boolean commitIfDue() {
        return underWriteLock(() -> policy.isDue() && commitLocked(null));
    }

    @Override
    public boolean commitIfDue(Map<String, String> commitData) {
        Map<String, String> data = Map.copyOf(commitData);
        return underWriteLock(() -> policy.isDue() && commitLocked(data));
    }

    @Override
    public long uncommittedEvents() {
        return underWriteLock(policy::uncommittedEvents);
    }

    @Override
    public long unknownJudgements() {
        return unknownJudgements.get();
    }

    @Override
    public void deleteTenant(String tenant) {
        CaseDocuments.checkId(tenant, "tenant");
        mutateAndRefresh(() -> writer.deleteDocuments(new Term(CaseDocuments.TENANT, tenant)));
    }

    @Override
    public void clear() {
        mutateAndRefresh(writer::deleteAll);
    }

    private interface WriterAction {
        void run() throws IOException;
    }

    private void mutateAndRefresh(WriterAction action) {
        underWriteLock(() -> {
            try {
                action.run();
            } catch (IOException | RuntimeException e) {
                throw fail("delete", e);
            }
            policy.changed();
            refreshLocked(); // deleted cases must stop counting as applied at once
            return null;
        });
    }

    private interface LockedAction<T> {
        T run() throws IOException;
    }

    /** Runs {@code action} with the write lock held, on a usable store. */
    private <T> T underWriteLock(LockedAction<T> action) {
        writeLock.lock();
        try {
            ensureUsable();
            return action.run();
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + ": " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    private interface ViewFunction<T> {
        T apply(TenantScopedSearcher view) throws IOException;
    }

    private interface TenantViewFunction<T> {
        T apply(TenantScopedSearcher view, int activeGeneration) throws IOException;
    }

    /**
     * Reads with a view and the tenant's active vector generation as one consistent pair: the
     * generation is read before the searcher is acquired and checked unchanged after, so the view
     * holds every vector of that generation (a switch refreshes first; older generations are only
     * dropped from documents after a switch).
     */
    private <T> T readTenant(String tenant, TenantViewFunction<T> fn) {
        refreshIfStale();
        try {
            while (true) {
                int generation = activeGeneration(tenant);
                IndexSearcher s = index.acquire();
                try {
                    if (activeGeneration(tenant) == generation) {
                        return fn.apply(new TenantScopedSearcher(s, queryBuilder), generation);
                    }
                } finally {
                    index.release(s);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + ": " + e.getMessage(), e);
        }
    }

    private <T> T read(ViewFunction<T> fn) {
        refreshIfStale();
        try {
            IndexSearcher s = index.acquire();
            try {
                return fn.apply(new TenantScopedSearcher(s, queryBuilder));
            } finally {
                index.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + ": " + e.getMessage(), e);
        }
    }

    private void refreshIfStale() {
        ensureUsable();
        if (stale) {
            writeLock.lock();
            try {
                ensureUsable();
                if (stale) {
                    refreshLocked();
                }
            } finally {
                writeLock.unlock();
            }
        }
    }

    private void refreshLocked() {
        try {
            index.refresh();
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + " could not refresh its searcher", e);
        }
        pending.clear();
        stale = false;
    }

    private void ensureUsable() {
        if (failure != null) {
            throw new IllegalStateException("case store " + path + " failed earlier and rolled back to its last "
                    + "commit: reopen it and replay from committedData()", failure);
        }
        if (closed) {
            throw new IllegalStateException("case store " + path + " is closed");
        }
    }

    /** Rolls back to the last commit and refuses further calls: a half-applied write must not be committed. */
    private IllegalStateException fail(String what, Throwable cause) {
        failure = cause;
        try {
            index.rollback();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
        return new IllegalStateException("case store " + path + " failed to " + what + " and rolled back to its "
                + "last commit: reopen it and replay from committedData()", cause);
    }

    @Override
    public void close() throws IOException {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (failure == null && index.hasUncommittedChanges()) {
                    commitLocked(null);
                }
            } finally {
                index.close();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Test hook that simulates a process crash honestly: flushes the pending segments to disk
     * without committing, copies the directory as it stands (commit point and uncommitted segment
     * files, as a killed process leaves them) to {@code crashImage}, then abandons this store with
     * {@code IndexWriter.rollback()}, so that neither a commit nor a close-time commit happens (the
     * original directory then also holds exactly the last commit). Open either directory to see
     * what survived.
     */
    void crashForTest(Path crashImage) throws IOException {
        writeLock.lock();
        try {
            index.copyCrashImage(crashImage);
            closed = true;
            index.rollback();
            index.close();
        } finally {
            writeLock.unlock();
        }
    }
}
