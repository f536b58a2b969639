package dev.engram.node.ingest;

import io.github.resilience4j.retry.Retry;
import java.time.Instant;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a failing partition stands with its {@code engram.ingest.partition} retry: how often it
 * failed, when to redeliver it, and whether it now isolates the record that fails. Confined to
 * the consumer thread; others read {@link #stall} snapshots.
 */
final class PartitionProgress {

    private final TopicPartition partition;
    private final Retry retry;
    private Retry.AsyncContext<Object> attempts;
    private Instant since;
    private int failures;
    private boolean isolating;
    private String lastError;
    private long lastWaitMillis;
    private long resumeAtNanos;

    PartitionProgress(TopicPartition partition, Retry retry) {
        this.partition = partition;
        this.retry = retry;
    }

    /**
     * Records a failed delivery and returns how long to wait before the next one, in milliseconds.
     * When the retry's attempts are spent the partition starts isolating (at once); when they are
     * spent again while isolating, the store itself is failing and the partition keeps being
     * redelivered at the longest backoff, with a fresh round of attempts.
     */
    long failed(BatchResult.Failed failure, Instant now, long nowNanos) {
        if (attempts == null) {
            attempts = retry.asyncContext();
            since = now;
        }
        failures++;
        lastError = failure.reason();
        Throwable cause = failure.cause() != null ? failure.cause() : new IllegalStateException(failure.reason());
        long wait = attempts.onError(cause);
        if (wait < 0) {
            attempts = retry.asyncContext();
            wait = isolating ? lastWaitMillis : 0;
            isolating = true;
        }
        lastWaitMillis = Math.max(lastWaitMillis, wait);
        resumeAtNanos = nowNanos + wait * 1_000_000L;
        return wait;
    }

    /** The partition moved: ends the retry (counted as a success after retries). */
    void moved() {
        if (attempts != null) {
            attempts.onComplete();
        }
    }

    boolean isolating() {
        return isolating;
    }

    int failures() {
        return failures;
    }

    /** Whether its backoff is over, so the partition may be fetched again. */
    boolean due(long nowNanos) {
        return nowNanos - resumeAtNanos >= 0;
    }

    PartitionStall stall() {
        return new PartitionStall(partition, since, failures, isolating, lastError);
    }
}
