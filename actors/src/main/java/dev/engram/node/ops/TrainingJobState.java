package dev.engram.node.ops;

/** Where a training job is, as the node sees it on the stream. */
public enum TrainingJobState {
    /** Sent to {@code engram.training-jobs}; no worker has reported on it yet. */
    QUEUED,
    /** A worker reports it starting, training, evaluating or publishing. */
    RUNNING,
    /** Its worker reported it done (its adapter version is on {@code engram.adapters}). */
    DONE,
    /** Its worker reported it failed, or it was dead-lettered. */
    FAILED
}
