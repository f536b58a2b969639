package dev.engram.adapters;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Switches libtorch's autograd recording off for the current thread until closed, then restores
 * what was there.
 *
 * <p>Why this exists: libtorch's grad mode is per thread and is ON by default; DJL's PyTorch
 * engine switches it off only on the thread that loaded the engine. On any other thread (an actor,
 * a Kafka consumer, a pool thread) every forward through a trainable LoRA parameter records an
 * autograd graph (memory, time), and in-place updates of parameters fail with "a leaf Variable
 * that requires grad is being used in an in-place operation". Wrap inference in it:
 *
 * <pre>{@code
 * try (NoGradScope ignored = NoGradScope.enter(); NDManager sm = manager.newSubManager()) {
 *     NDArray embeddings = encoder.embed(sm, batch);
 * }
 * }</pre>
 */
public final class NoGradScope implements AutoCloseable {

    private final boolean previous;

    private NoGradScope(boolean previous) {
        this.previous = previous;
    }

    /** Turns grad mode off on this thread. */
    public static NoGradScope enter() {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return new NoGradScope(previous);
    }

    /** Restores this thread's grad mode as it was before {@link #enter()}. */
    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
