package dev.engram.adapters;

/** Observes a training run; called on the training thread, so keep it quick. */
@FunctionalInterface
public interface TrainingListener {

    void onProgress(TrainingProgress progress);

    /** Called after a checkpoint has been written. */
    default void onCheckpoint(long step, java.nio.file.Path file) {}

    TrainingListener NONE = p -> {};
}
