package dev.engram.memory;

import java.util.List;

/**
 * The second stage of a recall: composes the final order of a query's first-stage candidates
 * before the positive/negative split. Implementations are immutable and thread-safe; a tenant's
 * learned ranker is part of its retriever policy and is swapped as a whole.
 *
 * <pre>{@code
 * RecallResult r = store.recall(query, new ReciprocalRankFusion(60));
 * }</pre>
 */
public interface Ranker {

    /** A short name for reasons, logs and reports, e.g. {@code "rrf"} or {@code "fusion+reuse"}. */
    String name();

    /**
     * Orders the candidates, best first. Returns every candidate it keeps (at least the query's
     * {@code k} when there are that many); ties must be broken deterministically.
     *
     * <p>A store's recall may hand over candidates whose case is read on demand
     * ({@link Candidate#readOnDemand}): ids, ranks, scores and vectors cost nothing more, while
     * {@link Candidate#match()} reads the case's stored fields then, so call it only where the case's
     * text or statistics are needed, and only within this call.
     */
    List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates);
}
