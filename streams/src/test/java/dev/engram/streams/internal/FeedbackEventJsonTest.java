package dev.engram.streams.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.RetrievedCase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parser-only reading of a feedback event agrees with the tree reading, or steps aside. */
class FeedbackEventJsonTest {

    private static final String BASE = """
            "eventId": "e1", "tenant": "acme", "agentId": "a", "timestamp": "2025-01-31T12:00:00Z",
            "task": "find the flight\"""";

    private static FeedbackEvent plain(String json) throws Exception {
        try (JsonParser parser = EventCodec.mapper().createParser(json.getBytes(UTF_8))) {
            return FeedbackEventJson.readPlain(parser);
        }
    }

    /** The tree reader's event, or null where it rejects the JSON. */
    private static FeedbackEvent tree(String json) {
        try {
            return FeedbackEventJson.fromTree(EventCodec.mapper().readTree(json.getBytes(UTF_8)));
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void readsEncodedEventsAsTheTreeDoes() throws Exception {
        List<FeedbackEvent> events = List.of(
                FeedbackEvent.of("e1", "acme", "a", Instant.parse("2025-01-31T12:00:00Z"), "t", null, null, 1.0, null),
                FeedbackEvent.of(
                        "e2",
                        "acme",
                        "agent \"7\"",
                        Instant.parse("2025-01-31T12:00:00.123456789Z"),
                        "refund ü ✓ \n a damaged order",
                        "plan",
                        "outcome",
                        0.1 + 0.2,
                        List.of(
                                new RetrievedCase("c1", 1, true),
                                new RetrievedCase("c2", 7, null),
                                new RetrievedCase("c3", 2, false))));
        for (FeedbackEvent event : events) {
            String json = new String(EventCodec.encode(event), UTF_8);
            assertThat(plain(json)).as(json).isEqualTo(event).isEqualTo(tree(json));
        }
    }

    @Test
    void agreesWithTheTreeOrStepsAside() throws Exception {
        List<String> documents = new ArrayList<>();
        for (String reward : List.of(
                "0",
                "1",
                "0.5",
                "5e-1",
                "1E0",
                "0.30000000000000004",
                "2",
                "-0.0",
                "1e400",
                "12345678901",
                "123456789012345678901234567890",
                "\"0.5\"",
                "null",
                "true")) {
            documents.add("{\"schemaVersion\": 1, " + BASE + ", \"reward\": " + reward + "}");
        }
        for (String version : List.of("1", "2", "0", "1.0", "4294967297", "null", "\"1\"")) {
            documents.add("{\"schemaVersion\": " + version + ", " + BASE + ", \"reward\": 1}");
        }
        for (String retrieved : List.of(
                "[]",
                "null",
                "[{\"caseId\": \"c1\", \"rank\": 1}]",
                "[{\"caseId\": \"c1\", \"rank\": 1, \"useful\": null}, {\"caseId\": \"c2\", \"rank\": 2, \"useful\": false}]",
                "[{\"caseId\": \"c1\", \"rank\": 1}, {\"caseId\": \"c1\", \"rank\": 2}]",
                "[{\"caseId\": \"c1\"}]",
                "[{\"caseId\": \"c1\", \"rank\": 1, \"note\": \"x\"}]",
                "[{\"caseId\": \"c1\", \"rank\": 1, \"useful\": \"yes\"}]",
                "[{\"caseId\": \"c1\", \"rank\": 1, \"rank\": 2}]",
                "[\"c1\"]",
                "{}")) {
            documents.add("{\"schemaVersion\": 1, " + BASE + ", \"reward\": 1, \"retrieved\": " + retrieved + "}");
        }
        documents.add("{\"schemaVersion\": 1, " + BASE + ", \"reward\": 1, \"tenant\": \"other\"}");
        documents.add("{\"schemaVersion\": 1, " + BASE + ", \"reward\": 1, \"extra\": {\"a\": [1, 2]}}");
        documents.add("{\"schemaVersion\": 1, " + BASE + ", \"reward\": 1} {}");
        documents.add("{\"schemaVersion\": 1, " + BASE + ", \"reward\": 1} x");
        documents.add("{\"schemaVersion\": 1, " + BASE + ", \"reward\": 1, \"plan\": null, \"outcome\": 3}");
        documents.add("{\"schemaVersion\": 1, " + BASE + ", \"reward\": 1, \"plan\": null, \"outcome\": null}");
        documents.add("{\"schemaVersion\": 1, " + BASE + "}");
        documents.add("{\"schemaVersion\": 1, " + BASE.replace("12:00:00Z", "14:00:00+02:00") + ", \"reward\": 1}");
        documents.add("{\"schemaVersion\": 1, " + BASE.replace("2025-01-31", "2025-02-30") + ", \"reward\": 1}");
        documents.add("{\"schemaVersion\": 1, " + BASE.replace("\"a\"", "\" \"") + ", \"reward\": 1}");
        documents.add("{\"schemaVersion\": 1, " + BASE + ", \"reward\": 1");
        documents.add("[{\"schemaVersion\": 1, " + BASE + ", \"reward\": 1}]");
        documents.add("\"text\"");
        documents.add("");
        int read = 0;
        for (String json : documents) {
            FeedbackEvent plain = plain(json);
            if (plain != null) {
                assertThat(plain).as(json).isEqualTo(tree(json));
                read++;
            }
        }
        assertThat(read).as("documents the shortcut read").isGreaterThanOrEqualTo(12);
    }

    @Test
    void aRepeatedFieldIsLeftToTheTreeReaderWhichRejectsIt() throws Exception {
        String json = "{\"schemaVersion\": 1, " + BASE + ", \"reward\": 1, \"eventId\": \"e2\"}";
        assertThat(plain(json)).isNull();
        assertThat(tree(json)).isNull();
    }
}
