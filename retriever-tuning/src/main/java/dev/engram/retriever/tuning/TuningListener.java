package dev.engram.retriever.tuning;

/** Observes a tuning round; called on the training thread, so keep it quick. */
@FunctionalInterface
public interface TuningListener {

    void onProgress(TuningProgress progress);

    /** Ignores everything. */
    TuningListener NONE = p -> {};
}
