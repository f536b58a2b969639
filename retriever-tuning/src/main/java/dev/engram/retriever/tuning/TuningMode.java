package dev.engram.retriever.tuning;

/** Which tower of the retriever a tenant's adapter changes. */
public enum TuningMode {
    /**
     * Only queries go through the adapter; case vectors come from the frozen base encoder, so every
     * vector already in the index stays valid after an update and nothing is re-embedded. The default.
     */
    QUERY_SIDE,
    /**
     * Queries and cases both go through the adapter; after an update the tenant's cases must be
     * re-embedded with the new adapter before its query vectors are used against them.
     */
    SYMMETRIC
}
