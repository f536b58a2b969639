package dev.engram.streams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.engram.streams.internal.DeadLetterJson;
import dev.engram.streams.internal.FeedbackEventJson;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON (UTF-8) encoding and decoding of the events on Engram's topics, with validation.
 *
 * <pre>{@code
 * byte[] bytes = EventCodec.encode(event);                  // to produce
 * FeedbackEvent back = EventCodec.decodeFeedback(bytes);   // when consuming
 * }</pre>
 *
 * <p>Decoding is strict about what it needs and lenient about what it does not: unknown fields are
 * ignored (so producers may add their own), but types are never coerced ({@code "reward": "0.5"} is
 * rejected), duplicate keys and trailing content are malformed, and every problem is an
 * {@link InvalidEventException} whose message names the field. Timestamps are ISO-8601 strings.
 *
 * <p>The field names are the record component names, e.g. a feedback event:
 * <pre>{@code
 * {"schemaVersion": 1, "eventId": "evt-1", "tenant": "acme", "agentId": "agent-7",
 *  "timestamp": "2025-01-31T12:00:00Z", "task": "...", "plan": "...", "outcome": "...",
 *  "reward": 0.9, "retrieved": [{"caseId": "case-42", "rank": 1, "useful": true}]}
 * }</pre>
 */
public final class EventCodec {

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(
                            StreamReadConstraints.builder().maxNestingDepth(64).build())
                    .build())
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private EventCodec() {}

    /**
     * The configured mapper behind this codec, for later event types to share: Java time as ISO-8601
     * strings, unknown properties ignored, no null into primitives, duplicate keys and trailing
     * tokens rejected. Shared by every caller: use it as is, or {@code mapper().copy()} to change it.
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * A feedback event from its JSON bytes.
     *
     * @throws InvalidEventException when the bytes are empty, over
     *     {@link EventLimits#MAX_EVENT_JSON_BYTES}, not JSON, or break the contract
     */
    public static FeedbackEvent decodeFeedback(byte[] json) {
        if (json != null && json.length > EventLimits.MAX_EVENT_JSON_BYTES) {
            throw new InvalidEventException(
                    "json",
                    "event is " + json.length + " bytes, over the limit of " + EventLimits.MAX_EVENT_JSON_BYTES
                            + " bytes");
        }
        FeedbackEvent plain = readPlain(json);
        return plain != null ? plain : FeedbackEventJson.fromTree(parse(json));
    }

    /**
     * The JSON bytes of a feedback event.
     *
     * @throws InvalidEventException (field {@code "json"}) when the encoding is over
     *     {@link EventLimits#MAX_EVENT_JSON_BYTES}: each text is within its limit but together, or
     *     after escaping, they are too large for one event
     */
    public static byte[] encode(FeedbackEvent event) {
        byte[] json = write(FeedbackEventJson.toTree(MAPPER, event));
        if (json.length > EventLimits.MAX_EVENT_JSON_BYTES) {
            throw new InvalidEventException(
                    "json",
                    "event " + event.eventId() + " encodes to "
                            + json.length + " bytes, over the limit of " + EventLimits.MAX_EVENT_JSON_BYTES
                            + " bytes; shorten its task, plan or outcome");
        }
        return json;
    }

    /** The JSON bytes of a dead letter. */
    public static byte[] encode(DeadLetter letter) {
        return write(DeadLetterJson.toTree(MAPPER, letter));
    }

    /**
     * A dead letter from its JSON bytes.
     *
     * @throws InvalidEventException when the bytes are not a valid dead letter
     */
    public static DeadLetter decodeDeadLetter(byte[] json) {
        return DeadLetterJson.fromTree(parse(json));
    }

    /** The event by the parser alone, or null: see {@link FeedbackEventJson#readPlain}. */
    private static FeedbackEvent readPlain(byte[] json) {
        if (json == null || json.length == 0) {
            return null;
        }
        try (JsonParser parser = MAPPER.createParser(json)) {
            return FeedbackEventJson.readPlain(parser);
        } catch (IOException e) {
            return null; // closing a parser over bytes; the tree reader reports any real problem
        }
    }

    private static JsonNode parse(byte[] json) {
        if (json == null || json.length == 0) {
            throw new InvalidEventException("json", "is empty (a null or zero-length record value)");
        }
        try {
            JsonNode tree = MAPPER.readTree(json);
            if (tree == null || tree.isMissingNode()) {
                throw new InvalidEventException("json", "contains no JSON value (only whitespace)");
            }
            return tree;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new InvalidEventException("json", "malformed JSON" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a byte array failed", e);
        }
    }

    private static byte[] write(JsonNode tree) {
        try {
            return MAPPER.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write JSON for " + tree.getNodeType(), e);
        }
    }
}
