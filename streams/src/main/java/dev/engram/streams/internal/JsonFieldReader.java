package dev.engram.streams.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.streams.InvalidEventException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;

/**
 * Reads typed fields out of one JSON object, strictly: no coercion between strings, numbers and
 * booleans, and every mismatch is an {@link InvalidEventException} naming the field's full path.
 * A field that is absent and a field that is {@code null} read the same (as null); the records
 * decide whether that is allowed.
 */
public final class JsonFieldReader {

    private final ObjectNode object;
    private final String path;

    private JsonFieldReader(ObjectNode object, String path) {
        this.object = object;
        this.path = path;
    }

    /**
     * A reader over {@code node}, which must be an object.
     *
     * @param path where {@code node} sits in the document ({@code ""} for the root)
     */
    public static JsonFieldReader of(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw new InvalidEventException(
                    path.isEmpty() ? "json" : path, "must be a JSON object, was " + describe(node));
        }
        return new JsonFieldReader((ObjectNode) node, path);
    }

    /** The field's full path, for messages. */
    public String pathOf(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    /** A string, or null when absent or null. */
    public String text(String field) {
        JsonNode node = present(field);
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            throw wrongType(field, "a string", node);
        }
        return node.textValue();
    }

    /** A required integer that fits in an {@code int}. */
    public int requiredInt(String field) {
        JsonNode node = required(field);
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw wrongType(field, "an integer", node);
        }
        return node.intValue();
    }

    /** A required integer that fits in a {@code long}. */
    public long requiredLong(String field) {
        JsonNode node = required(field);
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw wrongType(field, "an integer", node);
        }
        return node.longValue();
    }

    /** A required number (integer or decimal). */
    public double requiredDouble(String field) {
        JsonNode node = required(field);
        if (!node.isNumber()) {
            throw wrongType(field, "a number", node);
        }
        return node.doubleValue();
    }

    /** A boolean, or null when absent or null. */
    public Boolean optionalBoolean(String field) {
        JsonNode node = present(field);
        if (node == null) {
            return null;
        }
        if (!node.isBoolean()) {
            throw wrongType(field, "true, false or null", node);
        }
        return node.booleanValue();
    }

    /** An ISO-8601 instant such as {@code "2025-01-31T12:00:00Z"}, or null when absent or null. */
    public Instant instant(String field) {
        String text = text(field);
        if (text == null) {
            return null;
        }
        try {
            return IsoInstants.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidEventException(
                    pathOf(field),
                    "must be an ISO-8601 instant such as " + "'2025-01-31T12:00:00Z', was " + FieldChecks.quote(text),
                    e);
        }
    }

    /** Base64-encoded bytes, or null when absent or null. */
    public byte[] base64(String field) {
        String text = text(field);
        if (text == null) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(pathOf(field), "must be base64 (RFC 4648): " + e.getMessage(), e);
        }
    }

    /** An array, or null when absent or null. */
    public JsonNode array(String field) {
        JsonNode node = present(field);
        if (node == null) {
            return null;
        }
        if (!node.isArray()) {
            throw wrongType(field, "an array", node);
        }
        return node;
    }

    private JsonNode present(String field) {
        JsonNode node = object.get(field);
        return node == null || node.isNull() ? null : node;
    }

    private JsonNode required(String field) {
        JsonNode node = present(field);
        if (node == null) {
            throw new InvalidEventException(pathOf(field), "is required");
        }
        return node;
    }

    private InvalidEventException wrongType(String field, String expected, JsonNode node) {
        return new InvalidEventException(pathOf(field), "must be " + expected + ", was " + describe(node));
    }

    /** A node's JSON type and a short rendering of it, e.g. {@code string "1.5"}. */
    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        String type = switch (node.getNodeType()) {
            case STRING -> "string";
            case NUMBER -> node.isIntegralNumber() ? "integer" : "decimal";
            case BOOLEAN -> "boolean";
            case ARRAY -> "array";
            case OBJECT -> "object";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
        if (node.isContainerNode() || node.isNull()) {
            return type;
        }
        String shown = node.toString();
        return type + " " + (shown.length() <= 40 ? shown : shown.substring(0, 37) + "...");
    }
}
