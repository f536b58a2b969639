package dev.engram.memory;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The case memory: episodes go in as cases, recall brings the most useful ones back, always
 * within one tenant.
 *
 * <p>Contract (checked by {@code CaseStoreContractTest} for every implementation):
 * <ul>
 *   <li><b>Idempotent by event id.</b> {@link #ingest} applies an episode at most once per
 *       (tenant, eventId): replaying a stream any number of times — before or after a commit, a
 *       reopen or a crash — yields the same cases and the same statistics.</li>
 *   <li><b>Statistics once per event.</b> Each judgement in an applied episode adds 1 to the judged
 *       case's {@code timesRecalled}, and 1 to its {@code timesUseful} when
 *       {@code useful == TRUE}, or when {@code useful == null} and the episode's reward is at least
 *       the positive threshold. Judgements of case ids unknown in the tenant are counted
 *       ({@link #unknownJudgements()}) and ignored.</li>
 *   <li><b>Tenant isolation by construction.</b> Every read takes a tenant; nothing can search
 *       or read across tenants.</li>
 *   <li><b>Durability.</b> Everything up to the last {@link #commit} survives a crash; anything
 *       after it is lost as a whole, never in part (an episode and its judgements go together).
 *       The commit data (e.g. Kafka offsets) is stored atomically with the commit.</li>
 *   <li><b>Read your writes.</b> {@link #recall}, {@link #get}, {@link #count} and {@link #cases}
 *       see every applied episode, committed or not.</li>
 * </ul>
 * Implementations are thread-safe: writes are serialised, reads run concurrently.
 *
 * <pre>{@code
 * try (CaseStore store = LuceneCaseStore.open(dir, CaseStoreConfig.defaults())) {
 *     store.ingest(episode, null);                       // BM25 only
 *     store.commit(Map.of("engram.feedback-0", "1234")); // durable, with the offsets it covers
 *     RecallResult r = store.recall(RecallQuery.bm25("acme", "flutter of a heated wing", 10));
 *     RecallResult mine = store.recall(RecallQuery.hybrid("acme", task, vector, 10), tenantRanker);
 * }
 * }</pre>
 *
 * <p>I/O failures surface as {@link UncheckedIOException}.
 */
public interface CaseStore extends Closeable {

    /**
     * Applies an episode: adds it as a case and applies its judgements, exactly once.
     *
     * @param episode the episode; its {@code eventId} becomes the case id
     * @param vector the case vector (length = the configured dimension; normalised to unit length
     *     on the way in), or {@code null} when the case has no vector
     * @return {@code true} when applied, {@code false} when this (tenant, eventId) was already
     *     applied (then nothing changes)
     * @throws IllegalArgumentException when the vector has the wrong length, is zero or not finite
     */
    boolean ingest(Episode episode, float[] vector);

    /**
     * The first stage of a recall: the BM25 list when the query's mode has BM25 and the vector list
     * when it has vectors, each to the query's depth, one {@link Candidate} per case with its ranks,
     * scores, cosine and, when vectors were searched, the case's unit vector.
     *
     * @throws IllegalArgumentException when the query vector does not fit the store (dimension, zero)
     */
    CandidateLists candidates(RecallQuery query);

    /**
     * Recalls the top {@code k} cases of the query's tenant as {@code ranker} orders its
     * {@link #candidates}, split into positives and negatives; each case's reason names what the
     * searches found, what the ranker contributed, and why the case is positive or negative. The
     * ranker may be given candidates whose cases are read on demand ({@link Candidate#readOnDemand}),
     * so that a store reads in full only the cases it returns.
     *
     * @throws IllegalStateException when the ranker returns a case twice or one that is not a candidate
     */
    RecallResult recall(RecallQuery query, Ranker ranker);

    /** Recalls with the store's {@link #defaultRanker()}. */
    default RecallResult recall(RecallQuery query) {
        return recall(query, defaultRanker());
    }

    /**
     * The ranker of an untuned recall: {@link ReciprocalRankFusion} with
     * k = {@value ReciprocalRankFusion#DEFAULT_K} unless the implementation is configured otherwise.
     */
    default Ranker defaultRanker() {
        return new ReciprocalRankFusion();
    }

    /** The case of this tenant with this id, if any. */
    Optional<Case> get(String tenant, String caseId);

    /** How many cases the tenant has. */
    long count(String tenant);

    /** Every tenant that has at least one case, in ascending order (what an operator's console lists). */
    List<String> tenants();

    /**
     * A page of the tenant's cases in ascending {@code caseId} order, for rebuild and re-embedding.
     *
     * @param afterCaseId return only cases whose id sorts after this one; {@code null} for the first page
     * @param limit at most this many, in [1, 10000]
     */
    List<Case> cases(String tenant, String afterCaseId, int limit);

    /** All cases of the tenant in ascending {@code caseId} order (pages through {@link #cases(String, String, int)}). */
    default List<Case> cases(String tenant) {
        List<Case> all = new java.util.ArrayList<>();
        String after = null;
        while (true) {
            List<Case> page = cases(tenant, after, 1000);
            all.addAll(page);
            if (page.size() < 1000) {
                return all;
            }
            after = page.get(page.size() - 1).caseId();
        }
    }

    /**
     * Replaces the vector of an existing case in the tenant's active vector generation; the case
     * and its statistics are unchanged. To re-embed a whole tenant without recalls ever mixing
     * old and new vectors, use {@link #beginReembedding(String)} instead.
     *
     * @return {@code false} when the tenant has no such case
     */
    boolean updateVector(String tenant, String caseId, float[] vector);

    /**
     * Up to {@code limit} of the tenant's cases, ascending by id, that have no vector in its active
     * vector generation: stored BM25-only, or waiting for their vector ({@link #updateVector}).
     *
     * @param limit at most this many, in [1, 10000]
     * @throws UnsupportedOperationException when the implementation has no vectors
     */
    default List<Case> casesWithoutVector(String tenant, int limit) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no vectors");
    }

    /**
     * How many of the tenant's cases have a vector in its active vector generation.
     *
     * @throws UnsupportedOperationException when the implementation has no vectors
     */
    default long countWithVector(String tenant) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no vectors");
    }

    /**
     * Starts re-embedding the tenant's cases into a new vector generation, written in the background
     * next to the active one and switched on atomically by {@link VectorReembedding#commit()}. Until
     * then every recall uses the active generation only; each recall uses exactly one generation.
     * Ingests keep writing the active generation; the switch is refused while a case with a vector
     * lacks a new one. The active generation survives close and reopen.
     *
     * @throws IllegalStateException when the tenant already has a re-embedding running
     * @throws UnsupportedOperationException when the implementation has no vector generations
     */
    default VectorReembedding beginReembedding(String tenant) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot re-embed in the background");
    }

    /**
     * Durably commits everything applied so far, together with {@code commitData}, which replaces
     * the previous commit's data as a whole (pass every key you need, e.g. all partitions' offsets).
     */
    void commit(Map<String, String> commitData);

    /** Durably commits everything applied so far, keeping the last commit's data. */
    void commit();

    /** The data stored with the last durable commit (empty if none); the store's own entries are not shown. */
    Map<String, String> committedData();

    /**
     * Commits (keeping the last commit data) when the commit policy says so: after
     * {@link CaseStoreConfig#commitEveryEvents()} applied episodes, or when uncommitted changes are
     * older than {@link CaseStoreConfig#commitInterval()} on the configured clock.
     *
     * @return whether it committed
     */
    boolean commitIfDue();

    /** As {@link #commitIfDue()}, but a commit it makes stores {@code commitData}. */
    boolean commitIfDue(Map<String, String> commitData);

    /** Episodes applied since the last commit. */
    long uncommittedEvents();

    /** Judgements ignored since this store was opened because their case id was unknown in the tenant. */
    long unknownJudgements();

    /** Deletes every case of the tenant (uncommitted until the next commit), e.g. before a rebuild. */
    void deleteTenant(String tenant);

    /** Deletes every case of every tenant (uncommitted until the next commit), e.g. before a rebuild from the stream. */
    void clear();

    /** Closes the store, committing first when anything is uncommitted. */
    @Override
    void close() throws IOException;
}
