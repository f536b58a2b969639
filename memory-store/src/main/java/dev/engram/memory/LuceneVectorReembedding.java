package dev.engram.memory;

import java.util.List;

/** The {@link VectorReembedding} of a {@link LuceneCaseStore}; {@link LuceneReembeddings} does the work under the store's write lock. */
final class LuceneVectorReembedding implements VectorReembedding {
    private final LuceneReembeddings owner;
    private final String tenant;
    private final int generation;
    private volatile boolean finished;

    LuceneVectorReembedding(LuceneReembeddings owner, String tenant, int generation) {
        this.owner = owner;
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
        return owner.put(this, caseId, vector);
    }

    @Override
    public Progress progress() {
        return owner.progress(this);
    }

    @Override
    public List<String> missingCaseIds(int limit) {
        return owner.missing(this, limit);
    }

    @Override
    public void commit() {
        owner.commit(this);
    }

    @Override
    public void abort() {
        owner.abort(this);
    }

    @Override
    public boolean isFinished() {
        return finished;
    }

    /** Called under the store's write lock when committed or aborted. */
    void finished() {
        finished = true;
    }
}
