package dev.engram.node.recall;

import java.time.Duration;

/**
 * A recall refused because the node already runs its most recalls at once
 * ({@code NodeConfig.maxConcurrentRecalls}); the HTTP API answers {@code 429 Too Many Requests}
 * with {@code Retry-After}. Refusing at once, rather than queueing, keeps a burst from piling up
 * latency for everyone and tells the caller when to come back.
 */
public final class RecallsSaturatedException extends RuntimeException {

    private final int limit;
    private final Duration retryAfter;

    public RecallsSaturatedException(int limit, Duration retryAfter) {
        super(
                "the node is running its most recalls at once (" + limit + "); retry after " + retryAfter.toSeconds()
                        + " s, or raise maxConcurrentRecalls (engram serve --max-concurrent-recalls)",
                null,
                false,
                false);
        this.limit = limit;
        this.retryAfter = retryAfter;
    }

    /** The recalls the node runs at once. */
    public int limit() {
        return limit;
    }

    /** When to try again. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
