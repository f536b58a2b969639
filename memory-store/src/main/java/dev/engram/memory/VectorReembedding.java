package dev.engram.memory;

import java.util.List;

/**
 * A background re-embedding of one tenant's cases into a new vector generation, switched on
 * atomically when complete (from {@link CaseStore#beginReembedding(String)}).
 *
 * <p>While it runs, {@link CaseStore#recall} and every other read of the tenant keep using the
 * active generation: each recall reads the active generation once and searches only its vectors,
 * so it never mixes old and new vectors. {@link #put} writes the new vector next to the old one;
 * {@link #commit()} switches the tenant to the new generation in one step, durably (it commits
 * the store, keeping the last commit data). Cases ingested while it runs get only the active
 * generation's vector: {@link #missingCaseIds} lists them so the caller can {@link #put} them too.
 *
 * <pre>{@code
 * VectorReembedding r = store.beginReembedding("acme");
 * try {
 *     for (Case c : store.cases("acme")) r.put(c.caseId(), newEncoder.embed(c.text()));
 *     for (List<String> late; !(late = r.missingCaseIds(1000)).isEmpty(); )
 *         for (String id : late) r.put(id, newEncoder.embed(store.get("acme", id).orElseThrow().text()));
 *     r.commit();
 * } finally {
 *     if (!r.isFinished()) r.abort();
 * }
 * }</pre>
 *
 * Thread-safe; at most one re-embedding per tenant runs at a time. It does not survive a close or
 * crash of the store: an unfinished one is simply gone (the tenant keeps its active generation).
 */
public interface VectorReembedding {

    /** How far a re-embedding is: cases with a new vector, and cases that still need one. */
    record Progress(long reembedded, long missing) {
        public Progress {
            if (reembedded < 0) {
                throw new IllegalArgumentException("reembedded must be >= 0, was " + reembedded);
            }
            if (missing < 0) {
                throw new IllegalArgumentException("missing must be >= 0, was " + missing);
            }
        }

        /** True when every case that needs a new vector has one. */
        public boolean complete() {
            return missing == 0;
        }
    }

    /** The tenant being re-embedded. */
    String tenant();

    /** The generation this re-embedding writes (the active one becomes this on {@link #commit()}). */
    int generation();

    /**
     * Writes the new-generation vector of an existing case; the case, its statistics and its
     * active-generation vector are unchanged. Putting a case again replaces its new vector.
     *
     * @return {@code false} when the tenant has no such case
     * @throws IllegalArgumentException when the vector has the wrong length, is zero or not finite
     * @throws IllegalStateException when this re-embedding was committed or aborted
     */
    boolean put(String caseId, float[] vector);

    /** Counts, from the index, the cases with a new vector and those still missing one. */
    Progress progress();

    /**
     * Up to {@code limit} ids (ascending) of the tenant's cases that have an active-generation vector
     * but no new one yet, e.g. cases ingested since the re-embedding began.
     */
    List<String> missingCaseIds(int limit);

    /**
     * Atomically makes the new generation the tenant's active one and commits the store (keeping the
     * last commit data), so the switch survives a restart. Cases without any vector need none.
     *
     * @throws IllegalStateException when some case with a vector has no new vector (nothing changes;
     *     put them and commit again), or when this re-embedding was already committed or aborted
     */
    void commit();

    /** Abandons the re-embedding and drops the new vectors written so far; the tenant is unchanged. */
    void abort();

    /** Whether {@link #commit()} or {@link #abort()} has completed. */
    boolean isFinished();
}
