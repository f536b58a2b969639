package dev.engram.node.tuning;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;

/**
 * The circuit breaker of a tenant's tuning rounds ({@code engram.tuning.<tenant>}): failed and
 * timed-out jobs open it, and while it is open no round starts; after
 * {@link TuningSchedulerConfig#breakerOpenFor()} one trial round runs (half-open).
 *
 * <pre>{@code
 * CircuitBreaker breaker = RoundBreaker.of("acme", config, clock);
 * breaker.onError(elapsed, TimeUnit.NANOSECONDS, new RoundBreaker.RoundFailed("dead-lettered: ..."));
 * }</pre>
 */
final class RoundBreaker {

    /** Why a round counts as failed, for the breaker. */
    static final class RoundFailed extends RuntimeException {
        RoundFailed(String message) {
            super(message, null, false, false);
        }
    }

    private RoundBreaker() {}

    /** The breaker of {@code tenant}'s rounds, timed by {@code clock}. */
    static CircuitBreaker of(String tenant, TuningSchedulerConfig config, Clock clock) {
        return CircuitBreaker.of(
                "engram.tuning." + tenant,
                CircuitBreakerConfig.custom()
                        .slidingWindow(
                                config.breakerMinimumJobs() * 2,
                                config.breakerMinimumJobs(),
                                CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .failureRateThreshold(config.breakerFailureRate())
                        .waitDurationInOpenState(config.breakerOpenFor())
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .clock(clock)
                        .build());
    }
}
