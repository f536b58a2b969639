package dev.engram.node.adapters;

import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterStatus;
import java.time.Instant;

/**
 * One version of an adapter as this node sees it ({@code GET /v1/adapters/{name}}).
 *
 * @param version the version number
 * @param label {@code "<adapterName>/v<version>"}, what recall responses name
 * @param parentVersion what it was trained from; null for the base model
 * @param status the status in force on this node: the topic's, or the gate's for a candidate, or
 *     {@code REJECTED} when its files failed validation here
 * @param reason why (the gate's figures, the validation failure, the publisher's reason)
 * @param decidedBy {@code "gate"} (this node's {@link PromotionGate}), {@code "topic"} (a status
 *     published on the topic) or {@code "validation"} (the files failed to load here)
 * @param serving {@code true} for the version that serves now
 * @param method query-side or symmetric
 * @param baseModelId the encoder it adapts
 * @param jobId the training job that made it
 * @param payloadSha256 SHA-256 of its files
 * @param payloadSize bytes of its files
 * @param metrics candidate vs parent, as the worker measured them
 * @param createdAt when the worker made it
 * @param offset where its latest record is on {@code engram.adapters}
 */
public record AdapterVersionView(
        long version,
        String label,
        Long parentVersion,
        AdapterStatus status,
        String reason,
        String decidedBy,
        boolean serving,
        AdapterMethod method,
        String baseModelId,
        String jobId,
        String payloadSha256,
        long payloadSize,
        AdapterMetrics metrics,
        Instant createdAt,
        long offset) {
}
