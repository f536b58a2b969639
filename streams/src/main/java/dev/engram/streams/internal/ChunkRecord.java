package dev.engram.streams.internal;

import dev.engram.streams.InvalidEventException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One slice of a large payload (an adapter's files, a training job's JSON), as the value of a
 * {@code .../chunk-<index>} record: {@code {"payloadSha256": "...", "index": 0, "count": 8,
 * "bytes": "<base64>"}}. The header that follows the chunks names the same checksum and count.
 *
 * @param payloadSha256 SHA-256 of the whole payload, which ties the chunk to one payload
 * @param index 0-based, below {@code count}
 * @param count how many chunks the payload has, >= 1
 * @param bytes this slice
 */
public record ChunkRecord(String payloadSha256, int index, int count, byte[] bytes) {

    /** Most chunks per payload. */
    public static final int MAX_COUNT = 100_000;

    public ChunkRecord {
        ChunkChecks.requireSha256("payloadSha256", payloadSha256);
        if (count < 1 || count > MAX_COUNT) {
            throw new InvalidEventException("count", "must be in [1, " + MAX_COUNT + "], was " + count);
        }
        if (index < 0 || index >= count) {
            throw new InvalidEventException("index", "must be in [0, count " + count + "), was " + index);
        }
        if (bytes == null) {
            throw new InvalidEventException("bytes", "is required");
        }
    }

    /** {@code payload} cut into chunks of at most {@code chunkBytes}, in order. */
    public static List<ChunkRecord> split(byte[] payload, int chunkBytes) {
        String sha = sha256Hex(payload);
        int count = Math.max(1, (payload.length + chunkBytes - 1) / chunkBytes);
        List<ChunkRecord> chunks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int from = i * chunkBytes;
            chunks.add(new ChunkRecord(
                    sha, i, count, Arrays.copyOfRange(payload, from, Math.min(payload.length, from + chunkBytes))));
        }
        return chunks;
    }

    /** SHA-256 of {@code bytes} as 64 lower-case hex digits. */
    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkRecord c
                && index == c.index
                && count == c.count
                && payloadSha256.equals(c.payloadSha256)
                && Arrays.equals(bytes, c.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(payloadSha256, index, count, Arrays.hashCode(bytes));
    }

    @Override
    public String toString() {
        return "ChunkRecord[" + (index + 1) + "/" + count + ", " + bytes.length + " bytes of payload "
                + payloadSha256.substring(0, 12) + "…]";
    }
}
