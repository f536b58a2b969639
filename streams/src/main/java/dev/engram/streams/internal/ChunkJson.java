package dev.engram.streams.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.engram.streams.EventCodec;
import dev.engram.streams.InvalidEventException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * JSON for the continual-loop records (and their chunks) through Jackson's record support, on
 * {@link EventCodec#mapper()}'s settings made strict about types: no string-to-number,
 * number-to-string or boolean coercion, no enum by its ordinal, instants only as ISO-8601 strings
 * (read as {@link JsonFieldReader#instant} reads them, never epoch numbers) and bytes only as base64
 * strings (never arrays of numbers), so that these records read exactly what the JSON Schemas in
 * {@code docs/schemas} describe. Every failure becomes an {@link InvalidEventException} naming the
 * field by its JSON path, e.g. {@code "examples[3].positive: is required"}.
 */
public final class ChunkJson {

    private static final ObjectMapper MAPPER = strict();

    private ChunkJson() {}

    /** The mapper, for building trees. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** {@code value} as JSON bytes. */
    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "could not write JSON for " + value.getClass().getSimpleName(), e);
        }
    }

    /** {@code value} as a JSON tree. */
    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** Parses {@code json}, which must hold one JSON object. */
    public static JsonNode parse(byte[] json) {
        if (json == null || json.length == 0) {
            throw new InvalidEventException("json", "is empty (a null or zero-length record value)");
        }
        try {
            JsonNode tree = MAPPER.readTree(json);
            if (tree == null || !tree.isObject()) {
                throw new InvalidEventException("json", "must be a JSON object");
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw translate(e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a byte array failed", e);
        }
    }

    /** A {@code type} from a tree, validated by the record's constructor. */
    public static <T> T read(JsonNode tree, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw translate(e);
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException("json", e.getMessage(), e);
        }
    }

    /** A {@code type} from JSON bytes, validated by the record's constructor. */
    public static <T> T read(byte[] json, Class<T> type) {
        return read(parse(json), type);
    }

    /**
     * Fails first, and plainly, on a record from a newer producer, before any field of a contract
     * version this code does not know can produce a puzzling error.
     */
    public static void checkSchemaVersion(JsonNode tree, int newestKnown) {
        int version = JsonFieldReader.of(tree, "").requiredInt("schemaVersion");
        if (version > newestKnown) {
            throw new InvalidEventException(
                    "schemaVersion",
                    "version " + version + " is newer than this reader understands (up to " + newestKnown
                            + "); upgrade Engram to read it");
        }
    }

    private static InvalidEventException translate(JsonProcessingException e) {
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof InvalidEventException invalid) {
                String path = e instanceof JsonMappingException m ? path(m) : "";
                if (path.isEmpty() || path.equals(invalid.field()) || path.endsWith("." + invalid.field())) {
                    return path.isEmpty() ? invalid : new InvalidEventException(path, invalid.reason(), invalid);
                }
                return invalid.within(path);
            }
        }
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            return new InvalidEventException(path(m), e.getOriginalMessage(), e);
        }
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return new InvalidEventException("json", "malformed JSON" + where + ": " + e.getOriginalMessage(), e);
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static ObjectMapper strict() {
        JsonMapper mapper = ((JsonMapper) EventCodec.mapper())
                .rebuild()
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .addModule(new SimpleModule("engram-strict-scalars")
                        .addDeserializer(Instant.class, new InstantFromIsoString())
                        .addDeserializer(byte[].class, new BytesFromBase64String()))
                .build();
        for (LogicalType type :
                new LogicalType[] {LogicalType.Textual, LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            mapper.coercionConfigFor(type)
                    .setCoercion(
                            CoercionInputShape.String,
                            type == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(
                            CoercionInputShape.Integer,
                            type == LogicalType.Integer || type == LogicalType.Float
                                    ? CoercionAction.TryConvert
                                    : CoercionAction.Fail)
                    .setCoercion(
                            CoercionInputShape.Float,
                            type == LogicalType.Float ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(
                            CoercionInputShape.Boolean,
                            type == LogicalType.Boolean ? CoercionAction.TryConvert : CoercionAction.Fail);
        }
        return mapper;
    }

    /** An instant from an ISO-8601 string only, such as {@code "2025-01-31T12:00:00Z"}. */
    private static final class InstantFromIsoString extends StdScalarDeserializer<Instant> {

        private static final long serialVersionUID = 1L;

        InstantFromIsoString() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.hasToken(JsonToken.VALUE_STRING)) {
                try {
                    return Instant.parse(p.getText());
                } catch (DateTimeParseException e) {
                    // falls through to the message below, which names the value
                }
            }
            return ctxt.reportInputMismatch(
                    this,
                    "must be an ISO-8601 instant such as '2025-01-31T12:00:00Z', was %s",
                    JsonFieldReader.describe(ctxt.readTree(p)));
        }
    }

    /** Bytes from a base64 string only (RFC 4648, padded), not from an array of numbers. */
    private static final class BytesFromBase64String extends StdScalarDeserializer<byte[]> {

        private static final long serialVersionUID = 1L;

        BytesFromBase64String() {
            super(byte[].class);
        }

        @Override
        public byte[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.hasToken(JsonToken.VALUE_EMBEDDED_OBJECT) && p.getEmbeddedObject() instanceof byte[] bytes) {
                return bytes; // a binary node of a tree built in memory (a reassembled chunked adapter), never from
                // JSON text
            }
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                return ctxt.reportInputMismatch(
                        this, "must be a base64 string, was %s", JsonFieldReader.describe(ctxt.readTree(p)));
            }
            try {
                return p.getBinaryValue(ctxt.getBase64Variant());
            } catch (JsonProcessingException e) {
                return ctxt.reportInputMismatch(
                        this, "must be base64 (RFC 4648, padded with '='): %s", e.getOriginalMessage());
            }
        }
    }
}
