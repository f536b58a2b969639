package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * One dead letter as the node lists it ({@code GET /v1/dead-letters}): a record that could not be
 * processed, why, and where it came from.
 *
 * @param partition where the dead letter is on {@code engram.dead-letters}
 * @param offset its offset there
 * @param failedAt when the record failed
 * @param sourceTopic the topic the failed record was read from
 * @param sourcePartition its partition there
 * @param sourceOffset its offset there
 * @param key the failed record's key, possibly null
 * @param tenant whose record it was as far as the node can tell, or null
 * @param reason why it failed
 * @param payloadBytes the size of the failed record's value
 * @param payloadEncoding {@code "utf-8"} or {@code "base64"}
 * @param payload the value (its first 64 KiB) in that encoding
 * @param payloadCut whether {@code payload} is only the first part of the value
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DeadLetterInfo(
        int partition,
        long offset,
        Instant failedAt,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        String key,
        String tenant,
        String reason,
        int payloadBytes,
        String payloadEncoding,
        String payload,
        boolean payloadCut) {

    /** The payload's bytes (decoded from base64 where it is not text). */
    public byte[] payloadAsBytes() {
        return "base64".equals(payloadEncoding)
                ? Base64.getDecoder().decode(payload)
                : payload.getBytes(StandardCharsets.UTF_8);
    }
}
