package dev.engram.memory.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class FixedPointTest {
    /** The reason's numbers are formatted by hand for speed; they must read like {@code String.format}. */
    @Test
    void fixedPointFormattingMatchesStringFormat() {
        double[] values = {0, 0.5, 0.999, 1, 11.304, 0.03175, -0.26, 123.456, 0.0318, 0.016393, 7.0e-5};
        for (double v : values) {
            assertThat(FixedPoint.append(new StringBuilder(), v, 2).toString())
                    .isEqualTo(String.format(Locale.ROOT, "%.2f", v));
            assertThat(FixedPoint.append(new StringBuilder(), v, 4).toString())
                    .isEqualTo(String.format(Locale.ROOT, "%.4f", v));
        }
    }
}
