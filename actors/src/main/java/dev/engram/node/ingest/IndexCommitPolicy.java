package dev.engram.node.ingest;

import java.time.Duration;
import java.util.Objects;

/**
 * When the ingest actor makes the written cases durable with a Lucene index commit (which stores the
 * Kafka offsets it covers): once {@code interval} has passed since the first batch the last commit
 * does not hold, or once {@code maxEvents} records are written but not committed, whichever comes
 * first; and always when asked (a partition revoked, the consumer stopping). Between commits every
 * written case is already searchable (the store's reads refresh the near-real-time searcher), so the
 * policy trades only how much a crash replays from Kafka, never what recall sees.
 *
 * <p>Why not commit every batch: a commit flushes and fsyncs a segment, and at one commit per poll it
 * was most of the node's ingest cost.
 *
 * <pre>{@code
 * IndexCommitPolicy policy = new IndexCommitPolicy(Duration.ofSeconds(1), 10_000); // the node's default
 * IndexCommitPolicy strict = IndexCommitPolicy.EVERY_BATCH;                      // one commit per batch
 * }</pre>
 *
 * @param interval longest time written records wait for their commit; {@link Duration#ZERO} commits
 *     every batch
 * @param maxEvents most records written but not yet committed before a commit is made at the end of
 *     the batch that reaches them; {@code 1} commits every batch
 */
public record IndexCommitPolicy(Duration interval, int maxEvents) {

    /** Default {@link #interval}. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    /** Default {@link #maxEvents}. */
    public static final int DEFAULT_MAX_EVENTS = 10_000;
    /** Longest {@link #interval} allowed: what a crash may have to replay stays bounded. */
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    /** Largest {@link #maxEvents} allowed. */
    public static final int MAX_MAX_EVENTS = 10_000_000;

    /** One index commit per batch, before the batch is answered. */
    public static final IndexCommitPolicy EVERY_BATCH = new IndexCommitPolicy(Duration.ZERO, 1);

    public IndexCommitPolicy {
        Objects.requireNonNull(interval, "indexCommitPolicy.interval is required (e.g. 1 s; 0 commits every batch)");
        if (interval.isNegative() || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("indexCommitPolicy.interval must be in [0, " + MAX_INTERVAL
                    + "] (0 commits every batch), was " + interval);
        }
        if (maxEvents < 1 || maxEvents > MAX_MAX_EVENTS) {
            throw new IllegalArgumentException("indexCommitPolicy.maxEvents must be in [1, " + MAX_MAX_EVENTS
                    + "] (1 commits every batch), was " + maxEvents);
        }
    }

    /** The node's default: every {@value #DEFAULT_MAX_EVENTS} records or 1 s. */
    public static IndexCommitPolicy defaults() {
        return new IndexCommitPolicy(DEFAULT_INTERVAL, DEFAULT_MAX_EVENTS);
    }

    /** Whether every batch is committed before it is answered. */
    public boolean everyBatch() {
        return interval.isZero() || maxEvents == 1;
    }

    /** Whether a batch of {@code records}, with {@code uncommitted} records written before it, is to end with a commit. */
    boolean commitsAfter(long uncommitted, int records) {
        return everyBatch() || uncommitted + records >= maxEvents;
    }
}
