package dev.engram.node.recall;

import java.time.Duration;

/**
 * A recall that no node can answer right now: the tenant's partition is moving between nodes, or
 * its owner did not answer in time. The HTTP API answers {@code 503 Service Unavailable} with
 * {@code Retry-After}; the same recall succeeds once the partition has settled on its new owner.
 */
public final class RecallUnavailableException extends RuntimeException {

    private final Duration retryAfter;

    public RecallUnavailableException(String message, Duration retryAfter) {
        super(message, null, false, false);
        this.retryAfter = retryAfter;
    }

    /** When to try again. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
