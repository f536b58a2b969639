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

    /** Turns grad mode off on this thread (loading the PyTorch engine first if nothing has yet). */
    public static NoGradScope enter() {
        EngineLoaded.ENSURED.hashCode();
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return new NoGradScope(previous);
    }

    /** Loads libtorch once, so that the JNI calls work even before any model was loaded in this JVM. */
    private static final class EngineLoaded {
        static final Object ENSURED = ai.djl.engine.Engine.getEngine("PyTorch");
    }

    /** Restores this thread's grad mode as it was before {@link #enter()}. */
    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
