package dev.engram.runtime;

/**
 * A running {@link EngramClient#onAdapter} listener: a background consumer of the adapters topic.
 * Close it to stop; closing it twice does nothing.
 */
public interface Subscription extends AutoCloseable {

    /** Whether the background consumer is still running. */
    boolean isRunning();

    /** Stops the consumer and waits (a few seconds at most) for its thread to end. */
    @Override
    void close();
}
