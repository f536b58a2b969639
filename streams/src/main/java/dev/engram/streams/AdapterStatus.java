package dev.engram.streams;

/**
 * Where an {@link AdapterPublished} version stands. Workers publish {@link #CANDIDATE}s, signed
 * ({@link AdapterSignature}); each node decides a candidate with its own gate and lists it as
 * {@link #PROMOTED} or {@link #REJECTED} with the reason ({@code GET /v1/adapters}). A record whose
 * status says PROMOTED or REJECTED speaks only for its publisher: nodes and the SDK never serve a
 * version because its record says so.
 */
public enum AdapterStatus {
    /** Trained and evaluated by a worker, waiting for a node's gate. */
    CANDIDATE,
    /** Passed the gate: served (unless an operator pinned another version). */
    PROMOTED,
    /** Failed the gate, was refused (signature, tenant, files, canary) or failed while serving; never served. */
    REJECTED
}
