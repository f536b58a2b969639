package dev.engram.streams;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private static ObjectNode validTree() throws Exception {
        return (ObjectNode) EventCodec.mapper().readTree(EventCodec.encode(SampleEvents.feedback()));
    }

    private static byte[] bytes(JsonNode tree) throws Exception {
        return EventCodec.mapper().writeValueAsBytes(tree);
    }

    private static InvalidEventException rejection(byte[] json) {
        try {
            EventCodec.decodeFeedback(json);
        } catch (InvalidEventException e) {
            return e;
        }
        throw new AssertionError("expected a rejection of " + new String(json, UTF_8));
    }

    private static void assertRejected(Consumer<ObjectNode> change, String field, String messagePart) throws Exception {
        ObjectNode tree = validTree();
        change.accept(tree);
        InvalidEventException e = rejection(bytes(tree));
        assertThat(e.field()).as(e.getMessage()).isEqualTo(field);
        assertThat(e.getMessage()).startsWith(field + ": ").contains(messagePart);
    }

    @Test
    void feedbackRoundTripsThroughJson() {
        FeedbackEvent event = SampleEvents.feedback();
        assertThat(EventCodec.decodeFeedback(EventCodec.encode(event))).isEqualTo(event);
    }

    @Test
    void encodedJsonHasTheDocumentedShape() throws Exception {
        JsonNode tree = validTree();
        assertThat(tree.get("schemaVersion").intValue()).isEqualTo(1);
        assertThat(tree.get("timestamp").textValue()).isEqualTo("2025-01-31T12:00:00.123456789Z");
        assertThat(tree.get("reward").doubleValue()).isEqualTo(0.75);
        assertThat(tree.get("retrieved").get(0).get("useful").booleanValue()).isTrue();
        assertThat(tree.get("retrieved").get(1).has("useful"))
                .as("no judgement is left out")
                .isFalse();
    }

    @Test
    void minimalHandWrittenEventDecodes() {
        String json = """
        {"schemaVersion": 1, "eventId": "e1", "tenant": "acme", "agentId": "a",
         "timestamp": "2025-01-31T14:00:00+02:00", "task": "find the flight", "reward": 1}
        """;
        FeedbackEvent e = EventCodec.decodeFeedback(json.getBytes(UTF_8));
        assertThat(e.timestamp()).isEqualTo(Instant.parse("2025-01-31T12:00:00Z"));
        assertThat(e.reward()).isEqualTo(1.0);
        assertThat(e.plan()).isEmpty();
        assertThat(e.outcome()).isEmpty();
        assertThat(e.retrieved()).isEmpty();
    }

    @Test
    void unknownFieldsAreIgnoredAtEveryLevel() throws Exception {
        ObjectNode tree = validTree();
        tree.put("producerVersion", "3.1");
        tree.putObject("extra").put("nested", true);
        ((ObjectNode) tree.get("retrieved").get(0)).put("score", 0.93);
        assertThat(EventCodec.decodeFeedback(bytes(tree))).isEqualTo(SampleEvents.feedback());
    }

    @Test
    void missingRequiredFieldsAreNamed() throws Exception {
        for (String field : List.of("schemaVersion", "eventId", "tenant", "agentId", "timestamp", "task", "reward")) {
            assertRejected(t -> t.remove(field), field, "is required");
        }
        assertRejected(t -> t.putNull("tenant"), "tenant", "is required");
        assertRejected(
                t -> ((ObjectNode) t.get("retrieved").get(1)).remove("rank"), "retrieved[1].rank", "is required");
        assertRejected(
                t -> ((ObjectNode) t.get("retrieved").get(2)).remove("caseId"), "retrieved[2].caseId", "is required");
    }

    @Test
    void wrongTypesAreRejectedWithoutCoercion() throws Exception {
        assertRejected(t -> t.put("reward", "0.5"), "reward", "must be a number, was string \"0.5\"");
        assertRejected(t -> t.put("reward", true), "reward", "must be a number, was boolean true");
        assertRejected(t -> t.put("schemaVersion", 1.5), "schemaVersion", "must be an integer, was decimal 1.5");
        assertRejected(t -> t.put("schemaVersion", "1"), "schemaVersion", "must be an integer, was string");
        assertRejected(t -> t.put("eventId", 42), "eventId", "must be a string, was integer 42");
        assertRejected(t -> t.putArray("task"), "task", "must be a string, was array");
        assertRejected(t -> t.put("timestamp", 1738324800000L), "timestamp", "must be a string, was integer");
        assertRejected(t -> t.put("timestamp", "yesterday"), "timestamp", "must be an ISO-8601 instant");
        assertRejected(
                t -> t.put("timestamp", "+300000000-01-01T00:00:00Z"),
                "timestamp",
                "what an epoch millisecond can hold");
        assertRejected(t -> t.put("retrieved", "case-1"), "retrieved", "must be an array, was string");
        assertRejected(
                t -> t.withArray("retrieved").set(0, t.textNode("case-1")),
                "retrieved[0]",
                "must be a JSON object, was string");
        assertRejected(
                t -> ((ObjectNode) t.get("retrieved").get(0)).put("useful", "yes"),
                "retrieved[0].useful",
                "must be true, false or null");
        assertRejected(
                t -> ((ObjectNode) t.get("retrieved").get(0)).put("rank", 1.0),
                "retrieved[0].rank",
                "must be an integer");
        assertRejected(
                t -> ((ObjectNode) t.get("retrieved").get(0)).put("rank", 3_000_000_000L),
                "retrieved[0].rank",
                "must be an integer");
    }

    @Test
    void violationsInsideRetrievedCarryTheirPath() throws Exception {
        assertRejected(
                t -> ((ObjectNode) t.get("retrieved").get(2)).put("rank", 0),
                "retrieved[2].rank",
                "must be >= 1, was 0");
        assertRejected(
                t -> ((ObjectNode) t.get("retrieved").get(2)).put("caseId", "case-42"),
                "retrieved[2].caseId",
                "duplicate caseId 'case-42'");
        assertRejected(t -> t.put("reward", 1.5), "reward", "must be in [0, 1], was 1.5");
        assertRejected(t -> t.put("tenant", "ACME"), "tenant", "must match");
    }

    @Test
    void futureSchemaVersionIsReportedBeforeAnyOtherField() throws Exception {
        ObjectNode tree = validTree();
        tree.put("schemaVersion", 2);
        tree.remove("task");
        tree.put("reward", "renamed in v2");
        InvalidEventException e = rejection(bytes(tree));
        assertThat(e.field()).isEqualTo("schemaVersion");
        assertThat(e.getMessage()).contains("version 2 is newer than this reader understands (up to 1)");
    }

    @Test
    void malformedJsonIsRejectedClearly() {
        assertThat(rejection("{\"eventId\": \"e1\",".getBytes(UTF_8)).getMessage())
                .startsWith("json: malformed JSON at line 1");
        assertThat(rejection("not json".getBytes(UTF_8)).getMessage()).startsWith("json: malformed JSON");
        assertThat(rejection("{} {}".getBytes(UTF_8)).getMessage()).startsWith("json: malformed JSON");
        assertThat(rejection("{\"tenant\": \"a\", \"tenant\": \"b\"}".getBytes(UTF_8))
                        .getMessage())
                .startsWith("json: malformed JSON")
                .contains("Duplicate field 'tenant'");
        assertThat(rejection(new byte[] {(byte) 0xC3, (byte) 0x28}).getMessage())
                .startsWith("json: malformed JSON");
        assertThat(rejection("[1, 2]".getBytes(UTF_8)).getMessage())
                .isEqualTo("json: must be a JSON object, was array");
        assertThat(rejection("\"text\"".getBytes(UTF_8)).getMessage())
                .startsWith("json: must be a JSON object, was string");
        assertThat(rejection("   ".getBytes(UTF_8)).getMessage()).startsWith("json: contains no JSON value");
        assertThat(rejection(new byte[0]).getMessage()).startsWith("json: is empty");
        assertThat(rejection(null).field()).isEqualTo("json");
    }

    @Test
    void oversizedDocumentsAreRejectedBeforeParsing() {
        byte[] huge = new byte[EventLimits.MAX_EVENT_JSON_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        assertThat(rejection(huge).getMessage())
                .isEqualTo("json: event is 262145 bytes, over the limit of 262144 bytes");
    }

    @Test
    void encodingRefusesEventsWhoseJsonIsOverTheLimit() {
        // Each text is within its own limit, but escaped control characters take six bytes each.
        String escaped = "\u0001".repeat(EventLimits.MAX_PLAN_CHARS);
        FeedbackEvent event =
                FeedbackEvent.of("evt-big", "acme", "a", SampleEvents.AT, "task", escaped, escaped, 0.5, null);
        assertThatThrownBy(() -> EventCodec.encode(event))
                .isInstanceOfSatisfying(
                        InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("json"))
                .hasMessageContaining("over the limit of 262144 bytes");
    }

    @Test
    void nonAsciiTextSurvivesTheRoundTrip() {
        FeedbackEvent event = FeedbackEvent.of(
                "évt-1",
                "acme",
                "agent-λ",
                SampleEvents.AT,
                "Résumé 日本語 \uD83D\uDE80 \"quoted\" \\ back",
                "line1\nline2\ttab",
                null,
                0.3,
                null);
        assertThat(EventCodec.decodeFeedback(EventCodec.encode(event))).isEqualTo(event);
    }
}
