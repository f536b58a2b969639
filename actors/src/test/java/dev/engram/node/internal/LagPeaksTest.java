package dev.engram.node.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The peak lag per partition over a window, on a clock the test moves. */
class LagPeaksTest {

    private final AtomicLong now = new AtomicLong();
    private final LagPeaks peaks = new LagPeaks(Duration.ofSeconds(5), now::get);

    private void at(long seconds, Map<String, Long> lag) {
        now.set(Duration.ofSeconds(seconds).toNanos());
        peaks.record(lag);
    }

    private Map<String, Long> peaksAt(long seconds) {
        now.set(Duration.ofSeconds(seconds).toNanos());
        return peaks.peaks();
    }

    @Test
    void aBurstMeasuredBetweenTwoReadsIsReportedUntilTheWindowPassesThenTheLatestLag() {
        at(0, Map.of("f-0", 0L, "f-1", 0L));
        at(1, Map.of("f-0", 300L, "f-1", 0L));
        at(2, Map.of("f-0", 0L, "f-1", 4L));
        assertThat(peaksAt(2)).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of("f-0", 300L, "f-1", 4L)));
        assertThat(peaksAt(6))
                .as("1 s + 5 s: the burst is still within the window")
                .containsEntry("f-0", 300L);
        assertThat(peaksAt(7))
                .as("f-1's 4 at 2 s is still in")
                .containsEntry("f-0", 0L)
                .containsEntry("f-1", 4L);
        assertThat(peaksAt(100))
                .as("no measurement within the window: the latest one")
                .containsEntry("f-0", 0L)
                .containsEntry("f-1", 4L);
    }

    @Test
    void aLaterHigherMeasurementReplacesEarlierLowerOnesAndALowerOneOutlivesAHigherOne() {
        at(0, Map.of("f-0", 10L));
        at(1, Map.of("f-0", 50L));
        at(2, Map.of("f-0", 20L));
        assertThat(peaksAt(2)).containsEntry("f-0", 50L);
        assertThat(peaksAt(6)).containsEntry("f-0", 50L);
        assertThat(peaksAt(6).get("f-0")).isEqualTo(50L);
        assertThat(peaksAt(7).get("f-0"))
                .as("the 50 at 1 s left the window; the 20 at 2 s is next")
                .isEqualTo(20L);
    }

    @Test
    void aPartitionNoLongerMeasuredIsForgotten() {
        at(0, Map.of("f-0", 10L, "f-1", 10L));
        at(1, Map.of("f-0", 0L));
        assertThat(peaksAt(1)).containsOnlyKeys("f-0");
    }

    @Test
    void theWindowMustBePositive() {
        assertThatThrownBy(() -> new LagPeaks(Duration.ZERO, now::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("window");
    }
}
