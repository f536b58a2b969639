package dev.engram.memory;

import dev.engram.memory.internal.CaseCounters;
import dev.engram.memory.internal.CaseDocuments;
import dev.engram.memory.internal.CaseIndex;
import dev.engram.memory.internal.CommitPolicy;
import dev.engram.memory.internal.GuardedIndex;
import dev.engram.memory.internal.JudgementTally;
import dev.engram.memory.internal.OnDemandCases;
import dev.engram.memory.internal.RankedRecall;
import dev.engram.memory.internal.StoredCase;
import dev.engram.memory.internal.TenantScopedSearcher;
import dev.engram.memory.internal.UnitVectors;
import dev.engram.memory.internal.VectorGenerations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.Term;

/**
 * The {@link CaseStore} on Lucene 9: one index in one directory, one document per case.
 *
 * <p><b>Layout.</b> Tenant and case id are indexed keyword fields; the case text (task, plan,
 * outcome) is analysed with {@code EnglishAnalyzer} (stopwords, Porter stemming) for BM25; vectors
 * are HNSW with the dot product on unit vectors (cosine), int8 scalar-quantized when
 * {@link CaseStoreConfig#quantizedVectors()}. The statistics are numeric doc values, updated in
 * place by {@code IndexWriter.updateDocValues}. A tenant's vectors live in the field of its active
 * generation, which {@link #beginReembedding re-embeddings} switch ({@code LuceneReembeddings}).
 *
 * <p><b>Recall.</b> {@link #candidates} runs the searches of the query's mode on one searcher and one
 * vector generation; {@link #recall(RecallQuery, Ranker)} orders them with the ranker, keeps the top k
 * and splits them, reading the stored fields of only the cases it returns. The default ranker is
 * reciprocal-rank fusion with {@link CaseStoreConfig#rrfK()}.
 *
 * <p><b>Idempotency.</b> An episode's case document is its receipt: (tenant, eventId) is applied
 * iff the tenant has a case with that id. The case and its judgements' counter updates are
 * written under one lock that {@link #commit} also takes, so a commit holds all of an episode or
 * none of it, and a crash loses whole episodes only. The check and the counters are exact with
 * writes not yet refreshed into the searcher (see {@code GuardedIndex}).
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
    private final CaseStoreConfig config;
    private final GuardedIndex index;
    private final IndexWriter writer;
    private final CommitPolicy policy;
    private final Ranker defaultRanker;
    private final LuceneReembeddings reembeddings;
    private final AtomicLong unknownJudgements = new AtomicLong();
    private volatile Map<String, String> committedData;

    /** The store over an index already open in {@code path} (tests hold the index to crash it). */
    LuceneCaseStore(Path path, CaseStoreConfig config, CaseIndex caseIndex) {
        this.config = config;
        this.index = new GuardedIndex(path, caseIndex);
        this.writer = index.writer();
        this.committedData = Map.copyOf(VectorGenerations.withoutGenerations(index.commitDataAtOpen()));
        this.policy = new CommitPolicy(config.commitEveryEvents(), config.commitInterval(), config.clock());
        this.defaultRanker = new ReciprocalRankFusion(config.rrfK());
        this.reembeddings = new LuceneReembeddings(this, index, config.vectorDimension());
    }

    /**
     * Opens (or creates) the store in {@code dir}. Only one store may have a directory open at a time.
     *
     * @throws UncheckedIOException when the directory cannot be opened or is locked by another writer
     */
    public static LuceneCaseStore open(Path dir, CaseStoreConfig config) {
        return new LuceneCaseStore(dir, config, openIndex(dir, config));
    }

    /** The Lucene index of a store in {@code dir}, opened as {@link #open} opens it. */
    static CaseIndex openIndex(Path dir, CaseStoreConfig config) {
        try {
            return CaseIndex.open(dir, new EnglishAnalyzer(), config.quantizedVectors());
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
        return index.write(() -> {
            boolean applied = index.view(view -> {
                if (currentCounters(view, tenant, episode.eventId()) != null) {
                    return false;
                }
                boolean rewardSaysUseful = episode.reward() >= config.positiveRewardThreshold();
                long at = episode.timestamp().toEpochMilli();
                Map<String, CaseCounters> updates = new HashMap<>();
                for (Map.Entry<String, JudgementTally> t : JudgementTally.of(episode.judgements(), rewardSaysUseful)
                        .entrySet()) {
                    CaseCounters current =
                            t.getKey().indexOf('\u0000') >= 0 ? null : currentCounters(view, tenant, t.getKey());
                    if (current == null) {
                        unknownJudgements.addAndGet(t.getValue().recalled());
                    } else {
                        updates.put(
                                t.getKey(),
                                current.plus(
                                        t.getValue().recalled(), t.getValue().useful(), at));
                    }
                }
                applyLocked(episode, unit, updates);
                return true;
            });
            if (applied) {
                index.refreshIfManyPendingLocked();
            }
            return applied;
        });
    }

    /** Writes an episode's case and counter updates; any failure here rolls the store back and poisons it. */
    private void applyLocked(Episode episode, float[] unit, Map<String, CaseCounters> updates) {
        String tenant = episode.tenant();
        try {
            for (Map.Entry<String, CaseCounters> u : updates.entrySet()) {
                writer.updateDocValues(
                        CaseDocuments.keyTerm(tenant, u.getKey()), CaseDocuments.counterFields(u.getValue()));
                index.written(CaseDocuments.key(tenant, u.getKey()), u.getValue());
            }
            writer.addDocument(CaseDocuments.of(episode, reembeddings.active(tenant), unit));
            index.written(
                    CaseDocuments.key(tenant, episode.eventId()),
                    CaseCounters.initial(episode.timestamp().toEpochMilli()));
            policy.eventApplied();
        } catch (IOException | RuntimeException | Error e) {
            throw index.fail("apply event " + episode.eventId(), e);
        }
    }

    private CaseCounters currentCounters(TenantScopedSearcher view, String tenant, String caseId) throws IOException {
        CaseCounters p = index.pendingCounters(CaseDocuments.key(tenant, caseId));
        return p != null ? p : view.counters(tenant, caseId);
    }

    @Override
    public CandidateLists candidates(RecallQuery q) {
        float[] unit = unitQueryVector(q);
        // one searcher and one generation, so that a recall racing a re-embedding sees either all old or all new
        // vectors
        return index.readConsistent(
                () -> reembeddings.active(q.tenant()), (view, generation) -> view.candidates(q, unit, generation));
    }

    /**
     * Ranks on one view, as {@link #candidates} reads it, except that a candidate's case (its stored
     * fields and counters) is read only for the cases the recall returns, or when the ranker asks for
     * it: ranking needs ids, ranks, scores and vectors, and reading every candidate's stored fields was
     * most of the cost of reading the candidates.
     */
    @Override
    public RecallResult recall(RecallQuery q, Ranker ranker) {
        Objects.requireNonNull(ranker, "ranker is required (new ReciprocalRankFusion() when untuned)");
        float[] unit = unitQueryVector(q);
        return index.readConsistent(() -> reembeddings.active(q.tenant()), (view, generation) -> {
            try (OnDemandCases cases = view.onDemandCases()) {
                CandidateLists lists = view.candidatesWithCasesOnDemand(q, unit, generation, cases);
                return RankedRecall.assemble(q, lists, ranker, config, cases::readAll);
            }
        });
    }

    private float[] unitQueryVector(RecallQuery q) {
        return q.mode().usesVector()
                ? UnitVectors.normalized(q.vector(), config.vectorDimension(), "recallQuery.vector")
                : null;
    }

    /** Reciprocal-rank fusion with {@link CaseStoreConfig#rrfK()}. */
    @Override
    public Ranker defaultRanker() {
        return defaultRanker;
    }

    @Override
    public Optional<Case> get(String tenant, String caseId) {
        CaseDocuments.checkId(tenant, "tenant");
        CaseDocuments.checkId(caseId, "caseId");
        return index.read(view -> view.get(tenant, caseId));
    }

    @Override
    public long count(String tenant) {
        CaseDocuments.checkId(tenant, "tenant");
        return index.read(view -> view.count(tenant));
    }

    @Override
    public List<String> tenants() {
        return index.read(view -> view.tenants());
    }

    @Override
    public List<Case> cases(String tenant, String afterCaseId, int limit) {
        CaseDocuments.checkId(tenant, "tenant");
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be in [1, 10000], was " + limit);
        }
        return index.read(view -> view.page(tenant, afterCaseId, limit));
    }

    @Override
    public boolean updateVector(String tenant, String caseId, float[] vector) {
        CaseDocuments.checkId(tenant, "tenant");
        CaseDocuments.checkId(caseId, "caseId");
        float[] unit = UnitVectors.normalized(vector, config.vectorDimension(), "vector");
        return index.write(() -> rewriteVectorsLocked(tenant, caseId, v -> v.put(reembeddings.active(tenant), unit)));
    }

    @Override
    public List<Case> casesWithoutVector(String tenant, int limit) {
        CaseDocuments.checkId(tenant, "tenant");
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be in [1, 10000], was " + limit);
        }
        return index.readConsistent(
                () -> reembeddings.active(tenant), (view, generation) -> view.withoutVector(tenant, generation, limit));
    }

    @Override
    public long countWithVector(String tenant) {
        CaseDocuments.checkId(tenant, "tenant");
        return index.readConsistent(
                () -> reembeddings.active(tenant), (view, generation) -> view.countWithVector(tenant, generation));
    }

    /** The tenant's active vector generation: the one recall, ingest and updateVector use. */
    public int activeVectorGeneration(String tenant) {
        CaseDocuments.checkId(tenant, "tenant");
        return reembeddings.active(tenant);
    }

    @Override
    public VectorReembedding beginReembedding(String tenant) {
        CaseDocuments.checkId(tenant, "tenant");
        return reembeddings.begin(tenant);
    }

    /**
     * Under the write lock: rewrites a case's document (stored fields and counters kept) with its
     * vectors of the generations {@link LuceneReembeddings#keptLocked} names, as changed by
     * {@code edit}; other generations are dropped. Returns false when the tenant has no such case.
     */
    boolean rewriteVectorsLocked(String tenant, String caseId, Consumer<Map<Integer, float[]>> edit)
            throws IOException {
        if (index.isPending(CaseDocuments.key(tenant, caseId))) {
            index.refreshLocked(); // written since the last refresh: the searcher does not show its latest document yet
        }
        List<Integer> kept = reembeddings.keptLocked(tenant);
        Optional<StoredCase> c = index.view(view -> view.stored(tenant, caseId, kept));
        if (c.isEmpty()) {
            return false;
        }
        Map<Integer, float[]> vectors = new HashMap<>(c.get().vectorsByGeneration());
        edit.accept(vectors);
        try {
            writer.updateDocument(
                    CaseDocuments.keyTerm(tenant, caseId),
                    CaseDocuments.of(c.get().kase(), c.get().counters(), vectors));
        } catch (IOException | RuntimeException e) {
            throw index.fail("rewrite the vectors of " + caseId, e);
        }
        index.written(CaseDocuments.key(tenant, caseId), c.get().counters());
        policy.changed();
        return true;
    }

    @Override
    public void commit(Map<String, String> commitData) {
        Map<String, String> data = Map.copyOf(commitData);
        index.write(() -> commitLocked(data));
    }

    @Override
    public void commit() {
        index.write(() -> commitLocked(null));
    }

    /** Under the write lock: commits with the given data, or the last commit's when null; returns true. */
    boolean commitLocked(Map<String, String> dataOrNull) {
        Map<String, String> data = dataOrNull == null ? committedData : dataOrNull;
        index.commitLocked(VectorGenerations.withGenerations(data, reembeddings.activeGenerations()));
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
        return index.write(() -> policy.isDue() && commitLocked(null));
    }

    @Override
    public boolean commitIfDue(Map<String, String> commitData) {
        Map<String, String> data = Map.copyOf(commitData);
        return index.write(() -> policy.isDue() && commitLocked(data));
    }

    @Override
    public long uncommittedEvents() {
        return index.write(policy::uncommittedEvents);
    }

    @Override
    public long unknownJudgements() {
        return unknownJudgements.get();
    }

    @Override
    public void deleteTenant(String tenant) {
        CaseDocuments.checkId(tenant, "tenant");
        deleteAndRefresh(() -> writer.deleteDocuments(new Term(CaseDocuments.TENANT, tenant)));
    }

    @Override
    public void clear() {
        deleteAndRefresh(writer::deleteAll);
    }

    private interface WriterAction {
        void run() throws IOException;
    }

    private void deleteAndRefresh(WriterAction action) {
        index.write(() -> {
            try {
                action.run();
            } catch (IOException | RuntimeException e) {
                throw index.fail("delete", e);
            }
            policy.changed();
            index.refreshLocked(); // deleted cases must stop counting as applied at once
            return null;
        });
    }

    @Override
    public void close() throws IOException {
        index.close(() -> commitLocked(null));
    }
}
