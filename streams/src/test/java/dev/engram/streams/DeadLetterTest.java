package dev.engram.streams;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class DeadLetterTest {

    private static byte[] allByteValues() {
        byte[] bytes = new byte[512];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    @Test
    void roundTripKeepsTheOriginalBytesExactly() {
        byte[] original = allByteValues();
        DeadLetter letter = new DeadLetter(
                Topics.FEEDBACK,
                3,
                12_345_678_901L,
                "acme",
                original,
                "reward: must be in [0, 1], was 1.5",
                SampleEvents.AT);
        DeadLetter back = EventCodec.decodeDeadLetter(EventCodec.encode(letter));
        assertThat(back).isEqualTo(letter);
        assertThat(back.original()).containsExactly(original);
        assertThat(back.offset()).isEqualTo(12_345_678_901L);
    }

    @Test
    void randomAndEmptyPayloadsAndNullKeysRoundTrip() {
        Random random = new Random(7);
        for (int size : new int[] {0, 1, 2, 3, 1000, 300_000}) {
            byte[] original = new byte[size];
            random.nextBytes(original);
            DeadLetter letter = new DeadLetter(Topics.FEEDBACK, 0, size, null, original, "why", SampleEvents.AT);
            DeadLetter back = EventCodec.decodeDeadLetter(EventCodec.encode(letter));
            assertThat(back.original()).containsExactly(original);
            assertThat(back.key()).isNull();
        }
    }

    @Test
    void jsonCarriesTheOriginalAsBase64() throws Exception {
        DeadLetter letter = new DeadLetter("t", 0, 1, "k", "{oops".getBytes(UTF_8), "json: malformed", SampleEvents.AT);
        ObjectNode tree = (ObjectNode) EventCodec.mapper().readTree(EventCodec.encode(letter));
        assertThat(tree.get("original").textValue()).isEqualTo("e29vcHM=");
        assertThat(tree.get("failedAt").textValue()).isEqualTo("2025-01-31T12:00:00.123456789Z");
        assertThat(tree.get("sourceTopic").textValue()).isEqualTo("t");
    }

    @Test
    void isImmutableAndComparedByContent() {
        byte[] original = {1, 2, 3};
        DeadLetter letter = new DeadLetter("t", 0, 1, null, original, "why", SampleEvents.AT);
        original[0] = 9;
        letter.original()[1] = 9;
        assertThat(letter.original()).containsExactly(1, 2, 3);
        assertThat(letter)
                .isEqualTo(new DeadLetter("t", 0, 1, null, new byte[] {1, 2, 3}, "why", SampleEvents.AT))
                .hasSameHashCodeAs(new DeadLetter("t", 0, 1, null, new byte[] {1, 2, 3}, "why", SampleEvents.AT));
        assertThat(letter.toString()).contains("t-0@1", "3 bytes", "why");
    }

    @Test
    void ofConsumerRecordKeepsCoordinatesAndFitsTheReason() {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(Topics.FEEDBACK, 2, 99L, "acme", new byte[] {42});
        DeadLetter letter = DeadLetter.of(record, "x".repeat(10_000), SampleEvents.AT);
        assertThat(letter.sourceTopic()).isEqualTo(Topics.FEEDBACK);
        assertThat(letter.partition()).isEqualTo(2);
        assertThat(letter.offset()).isEqualTo(99L);
        assertThat(letter.key()).isEqualTo("acme");
        assertThat(letter.reason()).hasSize(EventLimits.MAX_REASON_CHARS).endsWith("[truncated]");
        DeadLetter tombstone =
                DeadLetter.of(new ConsumerRecord<>(Topics.FEEDBACK, 0, 0L, null, null), null, SampleEvents.AT);
        assertThat(tombstone.original()).isEmpty();
        assertThat(tombstone.reason()).isEqualTo("unknown");
    }

    @Test
    void shrunkToDropsTheKeyFirstAndKeepsTheWholeOriginalWhenThatIsEnough() {
        byte[] original = allByteValues();
        String key = "\u0001".repeat(2_000); // 6 bytes each once JSON-escaped
        DeadLetter letter = new DeadLetter(Topics.FEEDBACK, 1, 7, key, original, "json: malformed", SampleEvents.AT);
        int full = EventCodec.encode(letter).length;

        DeadLetter shrunk = letter.shrunkTo(full - 11_000);

        assertThat(EventCodec.encode(shrunk).length).isLessThanOrEqualTo(full - 11_000);
        assertThat(shrunk.key()).isNull();
        assertThat(shrunk.original()).containsExactly(original);
        assertThat(shrunk.reason())
                .startsWith("json: malformed; dead letter shrunk to fit its topic")
                .contains("the key travels only as the record key")
                .doesNotContain("first");
        assertThat(List.of(shrunk.sourceTopic(), shrunk.partition(), shrunk.offset(), shrunk.failedAt()))
                .containsExactly(Topics.FEEDBACK, 1, 7L, SampleEvents.AT);
    }

    @Test
    void shrunkToCutsTheOriginalWithAMarkerAndSaysSoInTheReason() {
        byte[] original = new byte[300_000];
        new Random(3).nextBytes(original);
        DeadLetter letter =
                new DeadLetter(Topics.FEEDBACK, 0, 9, "acme", original, "store: long overflow", SampleEvents.AT);
        for (int limit : new int[] {100_000, 65_537, 4_000, 1_000}) {
            DeadLetter shrunk = letter.shrunkTo(limit);
            byte[] json = EventCodec.encode(shrunk);
            assertThat(json.length)
                    .as("JSON of the letter shrunk to %d", limit)
                    .isLessThanOrEqualTo(limit)
                    .isGreaterThan(limit - 16); // cut no more than base64 rounding needs
            byte[] kept = shrunk.original();
            int prefix = kept.length - DeadLetter.TRUNCATION_MARKER.length();
            assertThat(Arrays.copyOf(kept, prefix)).containsExactly(Arrays.copyOf(original, prefix));
            assertThat(new String(kept, prefix, kept.length - prefix, UTF_8)).isEqualTo(DeadLetter.TRUNCATION_MARKER);
            assertThat(shrunk.reason())
                    .startsWith("store: long overflow; dead letter shrunk")
                    .contains("original is its first " + prefix + " of 300000 bytes followed by "
                            + DeadLetter.TRUNCATION_MARKER);
            assertThat(EventCodec.decodeDeadLetter(json)).isEqualTo(shrunk);
        }
    }

    @Test
    void shrunkToKeepsTheReasonWithinItsLimitAndFailsWhenNothingFits() {
        DeadLetter letter = new DeadLetter(
                "t", 0, 1, "k", new byte[50_000], "r".repeat(EventLimits.MAX_REASON_CHARS), SampleEvents.AT);
        DeadLetter shrunk = letter.shrunkTo(20_000);
        assertThat(shrunk.reason())
                .hasSizeLessThanOrEqualTo(EventLimits.MAX_REASON_CHARS)
                .startsWith("rrr")
                .contains("original is its first");
        assertThatThrownBy(() -> letter.shrunkTo(200))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be shrunk to 200 bytes");
    }

    @Test
    void strippedKeepsOnlyWhereTheRecordIsAndWhy() {
        DeadLetter letter = new DeadLetter(
                Topics.FEEDBACK, 2, 40, "k".repeat(100_000), new byte[1000], "json: bad", SampleEvents.AT);
        DeadLetter stripped = letter.stripped();
        assertThat(stripped.key()).isNull();
        assertThat(stripped.original()).isEmpty();
        assertThat(stripped.reason())
                .startsWith("json: bad; dead letter stripped")
                .contains("read them at engram.feedback-2@40");
        assertThat(EventCodec.encode(stripped).length).isLessThan(600);
    }

    @Test
    void validatesItsFields() {
        assertThatThrownBy(() -> new DeadLetter(null, 0, 0, null, new byte[0], "r", SampleEvents.AT))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("sourceTopic: is required");
        assertThatThrownBy(() -> new DeadLetter("t", -1, 0, null, new byte[0], "r", SampleEvents.AT))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("partition: must be >= 0, was -1");
        assertThatThrownBy(() -> new DeadLetter("t", 0, -5, null, new byte[0], "r", SampleEvents.AT))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("offset: must be >= 0, was -5");
        assertThatThrownBy(() -> new DeadLetter("t", 0, 0, null, null, "r", SampleEvents.AT))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("original: is required");
        assertThatThrownBy(() -> new DeadLetter("t", 0, 0, null, new byte[0], "r".repeat(4097), SampleEvents.AT))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("reason: at most 4096 characters");
        assertThatThrownBy(() -> new DeadLetter("t", 0, 0, null, new byte[0], "r", null))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("failedAt: is required");
    }

    @Test
    void decodingRejectsBadDeadLetters() {
        assertThatThrownBy(() -> EventCodec.decodeDeadLetter("""
        {"sourceTopic": "t", "partition": 0, "offset": 1, "original": "not base64!", "reason": "r",
         "failedAt": "2025-01-31T12:00:00Z"}""".getBytes(UTF_8)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("original: must be base64");
        assertThatThrownBy(() -> EventCodec.decodeDeadLetter("""
        {"sourceTopic": "t", "partition": "0", "offset": 1, "original": "", "reason": "r",
         "failedAt": "2025-01-31T12:00:00Z"}""".getBytes(UTF_8)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("partition: must be an integer, was string \"0\"");
        assertThatThrownBy(() -> EventCodec.decodeDeadLetter("""
        {"sourceTopic": "t", "partition": 0, "offset": 1, "reason": "r", "failedAt": "2025-01-31T12:00:00Z"}""".getBytes(UTF_8)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("original: is required");
        assertThatThrownBy(() -> EventCodec.decodeDeadLetter("{".getBytes(UTF_8)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("json: malformed JSON");
    }
}
