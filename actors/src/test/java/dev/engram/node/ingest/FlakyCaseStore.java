package dev.engram.node.ingest;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Episode;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.RecallResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault injection around a real store: chosen {@code ingest} calls (numbered from 1), the next
 * ingests of a tenant, or the next commits throw an {@link UncheckedIOException} as a failing disk
 * would, before reaching the store; poisoned events always fail, as an event the store cannot
 * hold would. It also records the order in which episodes were applied.
 */
final class FlakyCaseStore implements CaseStore {

    private final CaseStore delegate;
    private final AtomicInteger ingestCalls = new AtomicInteger();
    private final Set<Integer> failingIngestCalls = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failingIngestsLeft = new AtomicInteger();
    private final AtomicInteger failingCommitsLeft = new AtomicInteger();
    private final Map<String, AtomicInteger> failingIngestsByTenant = new ConcurrentHashMap<>();
    private final Set<String> poisoned = ConcurrentHashMap.newKeySet();
    private final List<String> applied = new CopyOnWriteArrayList<>();

    FlakyCaseStore(CaseStore delegate) {
        this.delegate = delegate;
    }

    /** Makes these ingest calls (1-based, counted over the store's life) fail. */
    FlakyCaseStore failIngestCalls(Integer... calls) {
        failingIngestCalls.addAll(List.of(calls));
        return this;
    }

    /** Makes the next {@code n} ingest calls fail. */
    FlakyCaseStore failNextIngests(int n) {
        failingIngestsLeft.set(n);
        return this;
    }

    /** Makes the next {@code n} ingests of {@code tenant} fail ({@code 0} heals it at once). */
    FlakyCaseStore failIngestsOf(String tenant, int n) {
        failingIngestsByTenant.computeIfAbsent(tenant, t -> new AtomicInteger()).set(n);
        return this;
    }

    /** Makes every ingest of these events fail, as {@code toEpochMilli} of a timestamp beyond a long would. */
    FlakyCaseStore poisonEvents(String... eventIds) {
        poisoned.addAll(List.of(eventIds));
        return this;
    }

    /** Makes the next {@code n} commits fail. */
    FlakyCaseStore failNextCommits(int n) {
        failingCommitsLeft.set(n);
        return this;
    }

    /** Event ids in the order the store applied them (ingest returned true). */
    List<String> applied() {
        return List.copyOf(applied);
    }

    int ingestCalls() {
        return ingestCalls.get();
    }

    @Override
    public boolean ingest(Episode episode, float[] vector) {
        int call = ingestCalls.incrementAndGet();
        if (failingIngestCalls.remove(call) || failingIngestsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new UncheckedIOException(new IOException("injected disk failure on ingest call " + call));
        }
        AtomicInteger tenantFailures = failingIngestsByTenant.get(episode.tenant());
        if (tenantFailures != null && tenantFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new UncheckedIOException(new IOException("injected disk failure for tenant " + episode.tenant()));
        }
        if (poisoned.contains(episode.eventId())) {
            throw new ArithmeticException("long overflow (injected: event " + episode.eventId() + ")");
        }
        boolean isNew = delegate.ingest(episode, vector);
        if (isNew) {
            applied.add(episode.eventId());
        }
        return isNew;
    }

    @Override
    public void commit(Map<String, String> commitData) {
        if (failingCommitsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new UncheckedIOException(new IOException("injected disk failure on commit"));
        }
        delegate.commit(commitData);
    }

    @Override
    public void commit() {
        commit(committedData());
    }

    @Override
    public CandidateLists candidates(RecallQuery query) {
        return delegate.candidates(query);
    }

    @Override
    public RecallResult recall(RecallQuery query, Ranker ranker) {
        return delegate.recall(query, ranker);
    }

    @Override
    public Ranker defaultRanker() {
        return delegate.defaultRanker();
    }

    @Override
    public RecallResult recall(RecallQuery query) {
        return delegate.recall(query);
    }

    @Override
    public Optional<Case> get(String tenant, String caseId) {
        return delegate.get(tenant, caseId);
    }

    @Override
    public long count(String tenant) {
        return delegate.count(tenant);
    }

    @Override
    public List<String> tenants() {
        return delegate.tenants();
    }

    @Override
    public List<Case> cases(String tenant, String afterCaseId, int limit) {
        return delegate.cases(tenant, afterCaseId, limit);
    }

    @Override
    public boolean updateVector(String tenant, String caseId, float[] vector) {
        return delegate.updateVector(tenant, caseId, vector);
    }

    @Override
    public Map<String, String> committedData() {
        return delegate.committedData();
    }

    @Override
    public boolean commitIfDue() {
        return delegate.commitIfDue();
    }

    @Override
    public boolean commitIfDue(Map<String, String> commitData) {
        return delegate.commitIfDue(commitData);
    }

    @Override
    public long uncommittedEvents() {
        return delegate.uncommittedEvents();
    }

    @Override
    public long unknownJudgements() {
        return delegate.unknownJudgements();
    }

    @Override
    public void deleteTenant(String tenant) {
        delegate.deleteTenant(tenant);
    }

    @Override
    public void clear() {
        delegate.clear();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
