package dev.engram.streams;

/**
 * Where an {@link AdapterPublished} version stands. A worker publishes a {@link #CANDIDATE}; the
 * node's evaluation gate re-publishes the same version as {@link #PROMOTED} or {@link #REJECTED}
 * (with {@link AdapterPublished#statusReason()}), under the same key, so the topic's latest record
 * per version is its current status.
 */
public enum AdapterStatus {
  /** Trained and evaluated, waiting for the gate. Nodes do not serve it. */
  CANDIDATE,
  /** Passed the gate: nodes and runtimes serve it (unless an operator pinned another version). */
  PROMOTED,
  /** Failed the gate or was withdrawn; stays visible with its reason and is never served. */
  REJECTED
}
