package dev.engram.memory;

import java.util.List;

/** The {@link VectorReembedding} of a {@link LuceneCaseStore}; the store does the work under its write lock. */
final class LuceneVectorReembedding implements VectorReembedding {
    private final LuceneCaseStore store;
    private final String tenant;
    private final int generation;
    private volatile boolean finished;

    LuceneVectorReembedding(LuceneCaseStore store, String tenant, int generation) {
        this.store = store;
        this.tenant = tenant;
        this.generation = generation;
    }

    @Override
    public String tenant() {
        return tenant;
    }

    @Override
    public int generation() {
        return generation;
    }

    @Override
    public boolean put(String caseId, float[] vector) {
        return store.reembeddingPut(this, caseId, vector);
    }

    @Override
    public Progress progress() {
        return store.reembeddingProgress(this);
    }

    @Override
    public List<String> missingCaseIds(int limit) {
        return store.reembeddingMissing(this, limit);
    }

    @Override
    public void commit() {
        store.reembeddingCommit(this);
    }

    @Override
    public void abort() {
        store.reembeddingAbort(this);
    }

    @Override
    public boolean isFinished() {
        return finished;
    }

    /** Called by the store, under its write lock, when committed or aborted. */
    void finished() {
        finished = true;
    }
}
