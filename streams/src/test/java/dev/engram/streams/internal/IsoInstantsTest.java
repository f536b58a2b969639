package dev.engram.streams.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.junit.jupiter.api.Test;

class IsoInstantsTest {

    @Test
    void readsWhatInstantParseReads() {
        List<String> texts = List.of(
                "2025-01-31T12:00:00Z",
                "2025-01-31T12:00:00.1Z",
                "2025-01-31T12:00:00.123Z",
                "2025-01-31T12:00:00.123456Z",
                "2025-01-31T12:00:00.123456789Z",
                "2025-01-31T23:59:59.000000001Z",
                "2024-02-29T00:00:00Z",
                "1970-01-01T00:00:00Z",
                "1969-12-31T23:59:59.999Z",
                "0001-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999999Z",
                // not the canonical form: Instant.parse's own reading
                "2025-01-31T14:00:00+02:00",
                "2025-01-31t12:00:00z",
                "2025-01-31T23:59:60Z",
                "2025-01-31T24:00:00Z",
                "2025-01-31T12:00:00.Z",
                "+12025-01-31T12:00:00Z");
        for (String text : texts) {
            assertThat(IsoInstants.parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
        for (long seconds = -5_000_000_000L; seconds < 250_000_000_000L; seconds += 987_654_321L) {
            for (int nanos : new int[] {0, 1, 120_000_000, 123_456_000, 999_999_999}) {
                Instant at = Instant.ofEpochSecond(seconds, nanos);
                if (at.toString().length() <= 30) {
                    assertThat(IsoInstants.parse(at.toString())).isEqualTo(at);
                }
            }
        }
    }

    @Test
    void rejectsWhatInstantParseRejectsWithItsMessage() {
        List<String> texts = List.of(
                "2025-02-29T12:00:00Z",
                "2025-13-01T12:00:00Z",
                "2025-00-10T12:00:00Z",
                "2025-04-31T12:00:00Z",
                "2025-01-31T12:60:00Z",
                "2025-01-31T-1:00:00Z",
                "2025-01-31T12:00:00.1234567890Z",
                "2025-01-31 12:00:00Z",
                "2025-01-31T12:00:00",
                "2025-1-31T12:00:00Z",
                "yesterday",
                "");
        for (String text : texts) {
            DateTimeParseException expected = null;
            try {
                Instant.parse(text);
            } catch (DateTimeParseException e) {
                expected = e;
            }
            assertThat(expected).as(text).isNotNull();
            String message = expected.getMessage();
            assertThatThrownBy(() -> IsoInstants.parse(text))
                    .as(text)
                    .isInstanceOf(DateTimeParseException.class)
                    .hasMessage(message);
        }
    }
}
