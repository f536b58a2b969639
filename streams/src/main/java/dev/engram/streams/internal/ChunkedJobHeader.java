package dev.engram.streams.internal;

import dev.engram.streams.EventLimits;
import dev.engram.streams.InvalidEventException;
import dev.engram.streams.TrainingJob;
import java.time.Instant;

/**
 * The record keyed by tenant that stands for a chunked {@link TrainingJob}: it names the job and
 * the payload (the job's complete JSON) that the chunks before it carry. It is told apart from a
 * complete job by its {@code chunkCount} field.
 *
 * @param schemaVersion the job contract version
 * @param jobId the job
 * @param tenant the job's tenant (also the record key)
 * @param adapterName the adapter it trains, for logs
 * @param attempt the job's attempt
 * @param createdAt when the job was made
 * @param payloadSha256 SHA-256 of the job's JSON
 * @param payloadSize its length in bytes
 * @param chunkCount how many chunks carry it
 */
public record ChunkedJobHeader(
        int schemaVersion,
        String jobId,
        String tenant,
        String adapterName,
        int attempt,
        Instant createdAt,
        String payloadSha256,
        long payloadSize,
        int chunkCount) {

    /** Largest job JSON: 256 MiB. */
    public static final long MAX_PAYLOAD_BYTES = 256L * 1024 * 1024;

    public ChunkedJobHeader {
        FieldChecks.requireText("jobId", jobId, EventLimits.MAX_ID_CHARS);
        FieldChecks.requireTenant("tenant", tenant);
        ChunkChecks.requireSha256("payloadSha256", payloadSha256);
        if (payloadSize < 1 || payloadSize > MAX_PAYLOAD_BYTES) {
            throw new InvalidEventException(
                    "payloadSize", "must be in [1, " + MAX_PAYLOAD_BYTES + "], was " + payloadSize);
        }
        if (chunkCount < 1 || chunkCount > ChunkRecord.MAX_COUNT) {
            throw new InvalidEventException(
                    "chunkCount", "must be in [1, " + ChunkRecord.MAX_COUNT + "], was " + chunkCount);
        }
    }
}
