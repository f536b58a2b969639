package dev.engram.memory;

import dev.engram.memory.internal.CaseCounters;
import dev.engram.memory.internal.CaseDocuments;
import dev.engram.memory.internal.CommitPolicy;
import dev.engram.memory.internal.FusedRecall;
import dev.engram.memory.internal.PendingWrites;
import dev.engram.memory.internal.ReciprocalRankFusion;
import dev.engram.memory.internal.TenantScopedSearcher;
import dev.engram.memory.internal.UnitVectors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
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
    private final FSDirectory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final QueryBuilder queryBuilder;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final PendingWrites pending = new PendingWrites();
    private final CommitPolicy policy;
    private final AtomicLong unknownJudgements = new AtomicLong();
    private volatile boolean stale;
    private volatile Map<String, String> committedData;
    private volatile boolean closed;
    private volatile Throwable failure;

    private LuceneCaseStore(Path path, CaseStoreConfig config) throws IOException {
        this.path = path;
        this.config = config;
        EnglishAnalyzer analyzer = new EnglishAnalyzer();
        this.queryBuilder = new QueryBuilder(analyzer);
        this.directory = FSDirectory.open(path);
        IndexWriterConfig iwc = new IndexWriterConfig(analyzer)
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                .setCommitOnClose(false)
                .setRAMBufferSizeMB(64)
                .setCodec(codec(config.quantizedVectors()));
        IndexWriter w;
        try {
            w = new IndexWriter(directory, iwc);
        } catch (IOException | RuntimeException e) {
            directory.close();
            throw e;
        }
        this.writer = w;
        Map<String, String> data = new LinkedHashMap<>();
        Iterable<Map.Entry<String, String>> live = writer.getLiveCommitData();
        if (live != null) {
            live.forEach(e -> data.put(e.getKey(), e.getValue()));
        }
        this.committedData = Map.copyOf(data);
        if (writer.getDocStats().maxDoc == 0 && !hasCommit()) {
            writer.commit(); // a new index: make the empty state durable so a crash reopens cleanly
        }
        this.searchers = new SearcherManager(writer, true, false, null);
        this.policy = new CommitPolicy(config.commitEveryEvents(), config.commitInterval(), config.clock());
    }

    /**
     * Opens (or creates) the store in {@code dir}. Only one store may have a directory open at a time.
     *
     * @throws UncheckedIOException when the directory cannot be opened or is locked by another writer
     */
    public static LuceneCaseStore open(Path dir, CaseStoreConfig config) {
        try {
            Files.createDirectories(dir);
            return new LuceneCaseStore(dir, config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the case store in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Codec codec(boolean quantized) {
        if (!quantized) {
            return Codec.getDefault();
        }
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return new Lucene99HnswScalarQuantizedVectorsFormat();
            }
        };
    }

    private boolean hasCommit() throws IOException {
        return org.apache.lucene.index.DirectoryReader.indexExists(directory);
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
        writeLock.lock();
        try {
            ensureUsable();
            IndexSearcher s = searchers.acquire();
            try {
                TenantScopedSearcher view = new TenantScopedSearcher(s, queryBuilder);
                if (currentCounters(view, tenant, episode.eventId()) != null) {
                    return false;
                }
                Map<String, long[]> deltas = new LinkedHashMap<>(); // caseId -> {recalled, useful}
                boolean rewardSaysUseful = episode.reward() >= config.positiveRewardThreshold();
                for (Judgement j : episode.judgements()) {
                    boolean useful = j.useful() == null ? rewardSaysUseful : j.useful();
                    long[] d = deltas.computeIfAbsent(j.caseId(), id -> new long[2]);
                    d[0]++;
                    d[1] += useful ? 1 : 0;
                }
                long at = episode.timestamp().toEpochMilli();
                Map<String, CaseCounters> updates = new HashMap<>();
                for (Map.Entry<String, long[]> d : deltas.entrySet()) {
                    CaseCounters current = d.getKey().indexOf('\u0000') >= 0 ? null
                            : currentCounters(view, tenant, d.getKey());
                    if (current == null) {
                        unknownJudgements.addAndGet(d.getValue()[0]);
                    } else {
                        updates.put(d.getKey(), current.plus(d.getValue()[0], d.getValue()[1], at));
                    }
                }
                applyLocked(episode, unit, updates);
            } finally {
                searchers.release(s);
            }
            if (pending.size() > MAX_PENDING) {
                refreshLocked();
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + ": " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
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
            writer.addDocument(CaseDocuments.of(episode, unit));
            pending.put(CaseDocuments.key(tenant, episode.eventId()),
                    CaseCounters.initial(episode.timestamp().toEpochMilli()));
            stale = true;
            policy.eventApplied();
        } catch (IOException | RuntimeException | Error e) {
            fail(e);
            throw new IllegalStateException("case store " + path + " failed while applying event "
                    + episode.eventId() + "; it rolled back to its last commit: reopen it and replay from "
                    + "committedData()", e);
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
        int depth = config.candidateDepth(q.k());
        return read(view -> {
            ScoreDoc[] bm25 = q.text().isBlank() ? new ScoreDoc[0] : view.bm25(q.tenant(), q.text(), depth);
            ScoreDoc[] knn = unit == null ? new ScoreDoc[0] : view.knn(q.tenant(), unit, depth);
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
        writeLock.lock();
        try {
            ensureUsable();
            refreshLocked(); // the stored fields of a just-added case are only readable after a refresh
            IndexSearcher s = searchers.acquire();
            try {
                TenantScopedSearcher view = new TenantScopedSearcher(s, queryBuilder);
                Optional<Case> c = view.get(tenant, caseId);
                if (c.isEmpty()) {
                    return false;
                }
                CaseCounters counters = view.counters(tenant, caseId);
                try {
                    writer.updateDocument(CaseDocuments.keyTerm(tenant, caseId),
                            CaseDocuments.of(c.get(), counters, unit));
                } catch (IOException | RuntimeException e) {
                    fail(e);
                    throw e;
                }
                pending.put(CaseDocuments.key(tenant, caseId), counters);
                stale = true;
                policy.changed();
                return true;
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + ": " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void commit(Map<String, String> commitData) {
        commitLocking(Map.copyOf(commitData));
    }

    @Override
    public void commit() {
        commitLocking(null);
    }

    private void commitLocking(Map<String, String> data) {
        writeLock.lock();
        try {
            ensureUsable();
            commitLocked(data);
        } finally {
            writeLock.unlock();
        }
    }

    private void commitLocked(Map<String, String> dataOrNull) {
        Map<String, String> data = dataOrNull == null ? committedData : dataOrNull;
        try {
            writer.setLiveCommitData(data.entrySet());
            writer.commit();
        } catch (IOException | RuntimeException e) {
            fail(e);
            throw new IllegalStateException("case store " + path + " failed to commit and rolled back to its "
                    + "last commit: reopen it and replay from committedData()", e);
        }
        committedData = data;
        policy.committed();
    }

    @Override
    public Map<String, String> committedData() {
        return committedData;
    }

    @Override
    public boolean commitIfDue() {
        return commitIfDueLocking(null);
    }

    @Override
    public boolean commitIfDue(Map<String, String> commitData) {
        return commitIfDueLocking(Map.copyOf(commitData));
    }

    private boolean commitIfDueLocking(Map<String, String> data) {
        writeLock.lock();
        try {
            ensureUsable();
            if (!policy.isDue()) {
                return false;
            }
            commitLocked(data);
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long uncommittedEvents() {
        writeLock.lock();
        try {
            return policy.uncommittedEvents();
        } finally {
            writeLock.unlock();
        }
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
        writeLock.lock();
        try {
            ensureUsable();
            try {
                action.run();
            } catch (IOException | RuntimeException e) {
                fail(e);
                throw new IllegalStateException("case store " + path + " failed to delete and rolled back", e);
            }
            policy.changed();
            refreshLocked(); // deleted cases must stop counting as applied at once
        } finally {
            writeLock.unlock();
        }
    }

    private interface ViewFunction<T> {
        T apply(TenantScopedSearcher view) throws IOException;
    }

    private <T> T read(ViewFunction<T> fn) {
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
        try {
            IndexSearcher s = searchers.acquire();
            try {
                return fn.apply(new TenantScopedSearcher(s, queryBuilder));
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + ": " + e.getMessage(), e);
        }
    }

    private void refreshLocked() {
        try {
            searchers.maybeRefreshBlocking();
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

    private void fail(Throwable cause) {
        failure = cause;
        try {
            writer.rollback();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
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
                if (failure == null && writer.isOpen() && writer.hasUncommittedChanges()) {
                    commitLocked(null);
                }
            } finally {
                try {
                    searchers.close();
                } finally {
                    try {
                        if (writer.isOpen()) {
                            writer.close();
                        }
                    } finally {
                        directory.close();
                    }
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Test hook that simulates a process crash honestly: flushes the pending segments to disk
     * without committing, copies the directory as it stands (commit point, uncommitted segment
     * files and all, as a killed process would leave them) to {@code crashImage}, then abandons
     * this store with {@code IndexWriter.rollback()} so that no commit and no close-time commit
     * happens. Open {@code crashImage} (or the original directory) to see what survived.
     */
    void crashForTest(Path crashImage) throws IOException {
        writeLock.lock();
        try {
            writer.flush();
            Files.createDirectories(crashImage);
            try (FSDirectory target = FSDirectory.open(crashImage)) {
                for (String file : directory.listAll()) {
                    if (file.equals(IndexWriter.WRITE_LOCK_NAME)) {
                        continue;
                    }
                    try {
                        target.copyFrom(directory, file, file, IOContext.DEFAULT);
                    } catch (NoSuchFileException | java.io.FileNotFoundException gone) {
                        // deleted by a merge while we copied: a crash could miss it just the same
                    }
                }
            }
            closed = true;
            writer.rollback();
            searchers.close();
            directory.close();
        } finally {
            writeLock.unlock();
        }
    }
}
