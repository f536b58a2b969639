package dev.engram.streams.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.InvalidEventException;
import java.time.Instant;
import java.util.Base64;

/** The JSON shape of {@link DeadLetter}: the original bytes travel base64-encoded. */
public final class DeadLetterJson {

    private DeadLetterJson() {}

    /** The dead letter as a JSON tree; a null key is written as {@code null}. */
    public static ObjectNode toTree(ObjectMapper mapper, DeadLetter letter) {
        ObjectNode root = mapper.createObjectNode();
        root.put("sourceTopic", letter.sourceTopic());
        root.put("partition", letter.partition());
        root.put("offset", letter.offset());
        root.put("key", letter.key());
        root.put("original", Base64.getEncoder().encodeToString(letter.original()));
        root.put("reason", letter.reason());
        root.put("failedAt", letter.failedAt().toString());
        return root;
    }

    /** The dead letter in a parsed JSON tree. */
    public static DeadLetter fromTree(JsonNode tree) {
        JsonFieldReader in = JsonFieldReader.of(tree, "");
        String sourceTopic = in.text("sourceTopic");
        int partition = in.requiredInt("partition");
        long offset = in.requiredLong("offset");
        String key = in.text("key");
        byte[] original = in.base64("original");
        String reason = in.text("reason");
        Instant failedAt = in.instant("failedAt");
        if (original == null) {
            throw new InvalidEventException("original", "is required");
        }
        return new DeadLetter(sourceTopic, partition, offset, key, original, reason, failedAt);
    }
}
