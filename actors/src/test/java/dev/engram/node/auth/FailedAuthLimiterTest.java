package dev.engram.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Counting wrong keys per address: the limit, the window's end, other addresses, the bound on addresses. */
class FailedAuthLimiterTest {

    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void anAddressIsRefusedAfterItsFailuresUntilTheWindowEndsAndOthersAreNot() {
        MovableClock clock = new MovableClock();
        FailedAuthLimiter limiter = new FailedAuthLimiter(3, Duration.ofMinutes(1), 100, clock);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.refusal("10.0.0.1")).as("failure %d", i).isEmpty();
            limiter.failed("10.0.0.1");
        }
        clock.advance(Duration.ofSeconds(20));
        assertThat(limiter.refusal("10.0.0.1")).contains(Duration.ofSeconds(40));
        assertThat(limiter.refusal("10.0.0.2")).as("another address").isEmpty();

        clock.advance(Duration.ofSeconds(40));
        assertThat(limiter.refusal("10.0.0.1")).as("a new window").isEmpty();
        limiter.failed("10.0.0.1");
        assertThat(limiter.refusal("10.0.0.1")).isEmpty();
    }

    @Test
    void atMostMaxClientsAddressesAreKeptTheOldestDroppedFirst() {
        MovableClock clock = new MovableClock();
        FailedAuthLimiter limiter = new FailedAuthLimiter(1, Duration.ofMinutes(1), 2, clock);
        limiter.failed("a");
        clock.advance(Duration.ofSeconds(1));
        limiter.failed("b");
        limiter.failed("c");
        assertThat(limiter.refusal("a")).as("dropped: the oldest").isEmpty();
        assertThat(limiter.refusal("b")).isPresent();
        assertThat(limiter.refusal("c")).isPresent();
    }

    @Test
    void badSettingsAreRefusedNamingThem() {
        assertThatThrownBy(() -> new FailedAuthLimiter(0, Duration.ofMinutes(1), 10, Clock.systemUTC()))
                .hasMessageContaining("maxFailures");
        assertThatThrownBy(() -> new FailedAuthLimiter(1, Duration.ZERO, 10, Clock.systemUTC()))
                .hasMessageContaining("window");
    }
}
