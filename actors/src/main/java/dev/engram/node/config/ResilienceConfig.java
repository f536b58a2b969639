package dev.engram.node.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Every retry, circuit breaker and time limit of a node, with its name and its settings, in one
 * place. Each named instance is registered with Resilience4j and shows up in {@code /metrics}
 * (e.g. {@code resilience4j_retry_calls_total{name="engram.store-write"}}).
 *
 * <table>
 *   <caption>Named instances</caption>
 *   <tr><th>name</th><th>kind</th><th>guards</th></tr>
 *   <tr><td>{@value #STORE_WRITE}</td><td>retry</td><td>writing one partition's records of a batch
 *       into the case store, and committing the index; exponential backoff, the partition's records
 *       are retried whole and in order</td></tr>
 *   <tr><td>{@value #INGEST_PARTITION}</td><td>retry</td><td>a partition whose records still failed:
 *       the consumer redelivers that partition alone, with exponential backoff from
 *       {@link #redeliveryBackoff()} to {@link #partitionMaxBackoff()}, while the other partitions
 *       keep flowing; after {@link #partitionMaxAttempts()} its records are written one by one and
 *       the one that fails is dead-lettered</td></tr>
 *   <tr><td>{@value #DEAD_LETTERS}</td><td>retry, circuit breaker, time limiter</td><td>producing
 *       invalid records to {@code engram.dead-letters} and waiting for the broker's acks</td></tr>
 * </table>
 *
 * <p>Each partition of a batch succeeds or fails on its own. A partition whose records still fail
 * after the store-write retries is not committed: the consumer rewinds that partition alone and
 * redelivers it under {@value #INGEST_PARTITION}; when those attempts are spent too, it isolates
 * the record that fails, dead-letters it with the stage that failed ({@code "store: ..."}) and
 * moves on, so nothing valid is lost and a poison record cannot stop its partition, nor any other.
 * A record is blamed only while the index still commits: when the store itself fails, nothing is
 * dead-lettered and the partition keeps being retried (health says DEGRADED).
 *
 * <pre>{@code
 * ResilienceConfig r = ResilienceConfig.defaults()
 *         .withStoreWrite(8, Duration.ofMillis(50), 2.0, Duration.ofSeconds(2))
 *         .withPartitionRetry(6, Duration.ofMillis(500), Duration.ofSeconds(10));
 * }</pre>
 *
 * @param storeWriteMaxAttempts attempts per batch write, first one included (default 6)
 * @param storeWriteInitialBackoff wait before the second attempt (default 100 ms)
 * @param storeWriteMultiplier backoff growth per attempt (default 2.0)
 * @param storeWriteMaxBackoff longest single wait (default 5 s)
 * @param deadLetterMaxAttempts attempts to produce a batch's dead letters (default 3)
 * @param deadLetterBackoff wait between those attempts (default 200 ms)
 * @param deadLetterTimeout how long to wait for the broker to ack a batch's dead letters
 *     (default 15 s)
 * @param breakerFailureRateThreshold failure percentage that opens the dead-letter breaker
 *     (default 50)
 * @param breakerSlidingWindowSize calls the failure rate is measured over (default 10)
 * @param breakerMinimumCalls calls before the failure rate counts (default 4)
 * @param breakerOpenWait how long the breaker stays open before letting trial calls through
 *     (default 10 s)
 * @param redeliveryBackoff pause before a failed partition is first redelivered; it doubles per
 *     attempt (default 1 s)
 * @param partitionMaxAttempts deliveries of a failing partition's records before the one that
 *     fails is isolated and dead-lettered, first one included (default 4)
 * @param partitionMaxBackoff longest pause between those deliveries (default 30 s)
 * @param batchTimeout how long the consumer waits for the ingest actor's answer before it treats
 *     the batch as failed and redelivers it; must exceed the write retries (default 2 min)
 * @param actorRestartMinBackoff first restart delay of a crashed ingest actor (default 200 ms)
 * @param actorRestartMaxBackoff longest restart delay (default 10 s)
 */
public record ResilienceConfig(
        int storeWriteMaxAttempts,
        Duration storeWriteInitialBackoff,
        double storeWriteMultiplier,
        Duration storeWriteMaxBackoff,
        int deadLetterMaxAttempts,
        Duration deadLetterBackoff,
        Duration deadLetterTimeout,
        float breakerFailureRateThreshold,
        int breakerSlidingWindowSize,
        int breakerMinimumCalls,
        Duration breakerOpenWait,
        Duration redeliveryBackoff,
        int partitionMaxAttempts,
        Duration partitionMaxBackoff,
        Duration batchTimeout,
        Duration actorRestartMinBackoff,
        Duration actorRestartMaxBackoff) {

    /** Retry around the case-store write and index commit of a batch. */
    public static final String STORE_WRITE = "engram.store-write";
    /** Retry, circuit breaker and time limiter around the dead-letter producer. */
    public static final String DEAD_LETTERS = "engram.dead-letters";
    /** Retry of one partition's records that failed, by redelivering that partition. */
    public static final String INGEST_PARTITION = "engram.ingest.partition";

    public ResilienceConfig {
        atLeast(storeWriteMaxAttempts, 1, "resilience.storeWriteMaxAttempts");
        positive(storeWriteInitialBackoff, "resilience.storeWriteInitialBackoff");
        if (!(storeWriteMultiplier >= 1.0)) {
            throw new IllegalArgumentException(
                    "resilience.storeWriteMultiplier must be >= 1.0, was " + storeWriteMultiplier);
        }
        positive(storeWriteMaxBackoff, "resilience.storeWriteMaxBackoff");
        atLeast(deadLetterMaxAttempts, 1, "resilience.deadLetterMaxAttempts");
        positive(deadLetterBackoff, "resilience.deadLetterBackoff");
        positive(deadLetterTimeout, "resilience.deadLetterTimeout");
        if (!(breakerFailureRateThreshold > 0 && breakerFailureRateThreshold <= 100)) {
            throw new IllegalArgumentException(
                    "resilience.breakerFailureRateThreshold must be in (0, 100], was " + breakerFailureRateThreshold);
        }
        atLeast(breakerSlidingWindowSize, 1, "resilience.breakerSlidingWindowSize");
        atLeast(breakerMinimumCalls, 1, "resilience.breakerMinimumCalls");
        positive(breakerOpenWait, "resilience.breakerOpenWait");
        positive(redeliveryBackoff, "resilience.redeliveryBackoff");
        atLeast(partitionMaxAttempts, 1, "resilience.partitionMaxAttempts");
        positive(partitionMaxBackoff, "resilience.partitionMaxBackoff");
        if (partitionMaxBackoff.compareTo(redeliveryBackoff) < 0) {
            throw new IllegalArgumentException("resilience.partitionMaxBackoff (" + partitionMaxBackoff
                    + ") must be >= redeliveryBackoff (" + redeliveryBackoff + ")");
        }
        positive(batchTimeout, "resilience.batchTimeout");
        positive(actorRestartMinBackoff, "resilience.actorRestartMinBackoff");
        positive(actorRestartMaxBackoff, "resilience.actorRestartMaxBackoff");
        if (actorRestartMaxBackoff.compareTo(actorRestartMinBackoff) < 0) {
            throw new IllegalArgumentException("resilience.actorRestartMaxBackoff (" + actorRestartMaxBackoff
                    + ") must be >= actorRestartMinBackoff (" + actorRestartMinBackoff + ")");
        }
    }

    /** The documented defaults. */
    public static ResilienceConfig defaults() {
        return new ResilienceConfig(
                6,
                Duration.ofMillis(100),
                2.0,
                Duration.ofSeconds(5),
                3,
                Duration.ofMillis(200),
                Duration.ofSeconds(15),
                50f,
                10,
                4,
                Duration.ofSeconds(10),
                Duration.ofSeconds(1),
                4,
                Duration.ofSeconds(30),
                Duration.ofMinutes(2),
                Duration.ofMillis(200),
                Duration.ofSeconds(10));
    }

    /** A copy with other store-write retry settings. */
    public ResilienceConfig withStoreWrite(
            int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff) {
        return new ResilienceConfig(
                maxAttempts,
                initialBackoff,
                multiplier,
                maxBackoff,
                deadLetterMaxAttempts,
                deadLetterBackoff,
                deadLetterTimeout,
                breakerFailureRateThreshold,
                breakerSlidingWindowSize,
                breakerMinimumCalls,
                breakerOpenWait,
                redeliveryBackoff,
                partitionMaxAttempts,
                partitionMaxBackoff,
                batchTimeout,
                actorRestartMinBackoff,
                actorRestartMaxBackoff);
    }

    /** A copy with another redelivery pause and batch timeout. */
    public ResilienceConfig withRedelivery(Duration backoff, Duration timeout) {
        return new ResilienceConfig(
                storeWriteMaxAttempts,
                storeWriteInitialBackoff,
                storeWriteMultiplier,
                storeWriteMaxBackoff,
                deadLetterMaxAttempts,
                deadLetterBackoff,
                deadLetterTimeout,
                breakerFailureRateThreshold,
                breakerSlidingWindowSize,
                breakerMinimumCalls,
                breakerOpenWait,
                backoff,
                partitionMaxAttempts,
                max(backoff, partitionMaxBackoff),
                timeout,
                actorRestartMinBackoff,
                actorRestartMaxBackoff);
    }

    /**
     * A copy with another retry of failing partitions: {@code maxAttempts} deliveries, the first
     * pause {@code initialBackoff} (the {@link #redeliveryBackoff()}), doubling up to
     * {@code maxBackoff}.
     */
    public ResilienceConfig withPartitionRetry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        return new ResilienceConfig(
                storeWriteMaxAttempts,
                storeWriteInitialBackoff,
                storeWriteMultiplier,
                storeWriteMaxBackoff,
                deadLetterMaxAttempts,
                deadLetterBackoff,
                deadLetterTimeout,
                breakerFailureRateThreshold,
                breakerSlidingWindowSize,
                breakerMinimumCalls,
                breakerOpenWait,
                initialBackoff,
                maxAttempts,
                maxBackoff,
                batchTimeout,
                actorRestartMinBackoff,
                actorRestartMaxBackoff);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static void atLeast(int value, int min, String field) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ", was " + value);
        }
    }

    private static void positive(Duration value, String field) {
        Objects.requireNonNull(value, field + " is required");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + value);
        }
    }
}
