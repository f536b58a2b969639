package dev.engram.node.internal;

import dev.engram.node.config.ResilienceConfig;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedTimeLimiterMetrics;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's named Resilience4j instances, built from one {@link ResilienceConfig}, logged when
 * they act, and bound to the node's meter registry.
 */
public final class ResilienceRegistries {

    private static final Logger log = LoggerFactory.getLogger(ResilienceRegistries.class);

    private final RetryRegistry retries;
    private final CircuitBreakerRegistry breakers;
    private final TimeLimiterRegistry timeLimiters;

    public ResilienceRegistries(ResilienceConfig config, MeterRegistry meters) {
        retries = RetryRegistry.ofDefaults();
        breakers = CircuitBreakerRegistry.ofDefaults();
        timeLimiters = TimeLimiterRegistry.ofDefaults();

        // An IllegalArgumentException is a bad record, not a transient fault: never retried.
        retries.retry(
                ResilienceConfig.STORE_WRITE,
                RetryConfig.custom()
                        .maxAttempts(config.storeWriteMaxAttempts())
                        .intervalFunction(IntervalFunction.ofExponentialBackoff(
                                config.storeWriteInitialBackoff(),
                                config.storeWriteMultiplier(),
                                config.storeWriteMaxBackoff()))
                        .ignoreExceptions(IllegalArgumentException.class)
                        .build());
        // Used through Retry.asyncContext() by the consumer, which redelivers the partition itself.
        retries.retry(
                ResilienceConfig.INGEST_PARTITION,
                RetryConfig.custom()
                        .maxAttempts(config.partitionMaxAttempts())
                        .intervalFunction(IntervalFunction.ofExponentialBackoff(
                                config.redeliveryBackoff(), 2.0, config.partitionMaxBackoff()))
                        .build());
        // An open breaker fails the batch at once; the consumer redelivers it after its backoff.
        retries.retry(
                ResilienceConfig.DEAD_LETTERS,
                RetryConfig.custom()
                        .maxAttempts(config.deadLetterMaxAttempts())
                        .waitDuration(config.deadLetterBackoff())
                        .ignoreExceptions(CallNotPermittedException.class)
                        .build());
        breakers.circuitBreaker(
                ResilienceConfig.DEAD_LETTERS,
                CircuitBreakerConfig.custom()
                        .failureRateThreshold(config.breakerFailureRateThreshold())
                        .slidingWindowSize(config.breakerSlidingWindowSize())
                        .minimumNumberOfCalls(config.breakerMinimumCalls())
                        .waitDurationInOpenState(config.breakerOpenWait())
                        .build());
        timeLimiters.timeLimiter(
                ResilienceConfig.DEAD_LETTERS,
                TimeLimiterConfig.custom()
                        .timeoutDuration(config.deadLetterTimeout())
                        .cancelRunningFuture(false)
                        .build());

        retries.getAllRetries()
                .forEach(r -> r.getEventPublisher()
                        .onRetry(e -> log.warn(
                                "{}: attempt {} failed ({}); retrying in {}",
                                e.getName(),
                                e.getNumberOfRetryAttempts(),
                                e.getLastThrowable() == null
                                        ? "?"
                                        : e.getLastThrowable().toString(),
                                e.getWaitInterval())));
        breakers.getAllCircuitBreakers()
                .forEach(b -> b.getEventPublisher()
                        .onStateTransition(e ->
                                log.warn("{}: circuit breaker {}", e.getCircuitBreakerName(), e.getStateTransition())));

        TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(meters);
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(meters);
        TaggedTimeLimiterMetrics.ofTimeLimiterRegistry(timeLimiters).bindTo(meters);
    }

    /** Retry {@value ResilienceConfig#STORE_WRITE}. */
    public Retry storeWriteRetry() {
        return retries.retry(ResilienceConfig.STORE_WRITE);
    }

    /** Retry {@value ResilienceConfig#INGEST_PARTITION}. */
    public Retry ingestPartitionRetry() {
        return retries.retry(ResilienceConfig.INGEST_PARTITION);
    }

    /** Retry {@value ResilienceConfig#DEAD_LETTERS}. */
    public Retry deadLetterRetry() {
        return retries.retry(ResilienceConfig.DEAD_LETTERS);
    }

    /** Circuit breaker {@value ResilienceConfig#DEAD_LETTERS}. */
    public CircuitBreaker deadLetterBreaker() {
        return breakers.circuitBreaker(ResilienceConfig.DEAD_LETTERS);
    }

    /** Time limiter {@value ResilienceConfig#DEAD_LETTERS}. */
    public TimeLimiter deadLetterTimeLimiter() {
        return timeLimiters.timeLimiter(ResilienceConfig.DEAD_LETTERS);
    }
}
