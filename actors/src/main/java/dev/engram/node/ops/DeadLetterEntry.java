package dev.engram.node.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Objects;

/**
 * One record of {@code engram.dead-letters} as {@code GET /v1/dead-letters} answers it.
 *
 * <pre>{@code
 * {"partition": 0, "offset": 17, "failedAt": "2026-03-01T09:00:00Z", "sourceTopic": "engram.feedback",
 *  "sourcePartition": 2, "sourceOffset": 4411, "key": "acme", "tenant": "acme",
 *  "reason": "reward: must be in [0, 1], was 7.0", "payloadBytes": 212, "payloadEncoding": "utf-8",
 *  "payload": "{\"eventId\": ...}", "payloadCut": false}
 * }</pre>
 *
 * @param partition where the dead letter itself is on {@code engram.dead-letters}
 * @param offset its offset there
 * @param failedAt when the record failed
 * @param sourceTopic the topic the failed record was read from
 * @param sourcePartition its partition there
 * @param sourceOffset its offset there
 * @param key the failed record's key; null when it had none (or the letter was shrunk to fit)
 * @param tenant whose record it was, as far as can be told: the per-tenant topic's tenant, else
 *     the payload's {@code tenant} field, else a key that is a valid tenant; null when unknown
 * @param reason why it failed
 * @param payloadBytes the size of the failed record's value as kept in the letter
 * @param payloadEncoding {@code "utf-8"} when the value is valid UTF-8 text, else {@code "base64"}
 * @param payload the value in that encoding, its first {@link DeadLetterReader#MAX_PAYLOAD_BYTES}
 *     bytes
 * @param payloadCut whether {@code payload} is only the first part of the value
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record DeadLetterEntry(
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

    public DeadLetterEntry {
        Objects.requireNonNull(failedAt, "deadLetterEntry.failedAt is required");
        Objects.requireNonNull(sourceTopic, "deadLetterEntry.sourceTopic is required");
        Objects.requireNonNull(reason, "deadLetterEntry.reason is required");
        Objects.requireNonNull(payloadEncoding, "deadLetterEntry.payloadEncoding is required");
        Objects.requireNonNull(payload, "deadLetterEntry.payload is required");
    }
}
