package dev.engram.node.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSON mapper of the HTTP API: ISO-8601 instants, no timestamps as numbers; and a request body
 * with the same key twice is refused (which of the two would count is up to each parser, so a
 * proxy that checks one and a node that uses the other could disagree).
 */
public final class ApiJson {

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'", Pattern.DOTALL);

    private ApiJson() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** {@code value} as JSON bytes. */
    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot serialise " + value.getClass().getSimpleName() + ": " + e, e);
        }
    }

    /** The key {@code failure} is about when a body had it twice; empty for any other parse failure. */
    static Optional<String> duplicateKey(JsonProcessingException failure) {
        Matcher m = DUPLICATE.matcher(String.valueOf(failure.getOriginalMessage()));
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * Parses a request body that must be a JSON object with only the {@code allowed} keys; a blank
     * body is the empty object. Throws {@link BadRequestException} naming the key at fault (unknown or
     * sent twice), with {@code example} in the message.
     */
    static ObjectNode readObject(String body, Set<String> allowed, String example) {
        if (body == null || body.isBlank()) {
            return MAPPER.createObjectNode();
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            Optional<String> twice = duplicateKey(e);
            if (twice.isPresent()) {
                throw new BadRequestException(
                        twice.get(),
                        "field '" + twice.get() + "' appears twice in the request " + "body; send it once");
            }
            throw new BadRequestException(
                    null,
                    "request body is not valid JSON (" + e.getOriginalMessage() + "): send a JSON object like "
                            + example);
        }
        if (!(root instanceof ObjectNode object)) {
            throw new BadRequestException(null, "request body must be a JSON object like " + example);
        }
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new BadRequestException(
                        name,
                        "unknown field '" + name + "': this request takes only "
                                + allowed.stream().sorted().toList() + ", e.g. " + example);
            }
        }
        return object;
    }
}
