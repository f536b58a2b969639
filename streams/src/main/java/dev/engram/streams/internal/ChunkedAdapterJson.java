package dev.engram.streams.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.InvalidEventException;
import java.util.Arrays;

/**
 * The header record of an adapter version on the adapters topic. Inline, it is the complete
 * {@link AdapterPublished} JSON with each file's bytes in base64. Chunked, each file has
 * {@code "size"} instead of {@code "bytes"} and the header has {@code "chunkCount"}; the payload
 * (the files concatenated in order) comes from the chunks before it.
 */
public final class ChunkedAdapterJson {

    /** The header field that marks a chunked header. */
    public static final String CHUNK_COUNT = "chunkCount";

    private ChunkedAdapterJson() {}

    /** The header of a chunked {@code adapter} whose payload is in {@code chunkCount} chunks. */
    public static byte[] chunkedHeader(AdapterPublished adapter, int chunkCount) {
        ObjectNode tree = (ObjectNode) ChunkJson.tree(adapter);
        for (JsonNode file : tree.withArray("files")) {
            ObjectNode f = (ObjectNode) file;
            int size = adapter.file(f.get("name").textValue()).orElseThrow().size();
            f.remove("bytes");
            f.put("size", size);
        }
        tree.put(CHUNK_COUNT, chunkCount);
        return ChunkJson.write(tree);
    }

    /** Whether a parsed header is chunked. */
    public static boolean isChunked(JsonNode tree) {
        return tree.has(CHUNK_COUNT);
    }

    /** The chunk count of a chunked header, checked. */
    public static int chunkCount(JsonNode tree) {
        int count = JsonFieldReader.of(tree, "").requiredInt(CHUNK_COUNT);
        if (count < 1 || count > ChunkRecord.MAX_COUNT) {
            throw new InvalidEventException(CHUNK_COUNT, "must be in [1, " + ChunkRecord.MAX_COUNT + "], was " + count);
        }
        return count;
    }

    /** The payload checksum a header declares, checked. */
    public static String payloadSha256(JsonNode tree) {
        String sha = JsonFieldReader.of(tree, "").text("payloadSha256");
        ChunkChecks.requireSha256("payloadSha256", sha);
        return sha;
    }

    /** The payload size a header declares, checked. */
    public static long payloadSize(JsonNode tree) {
        long size = JsonFieldReader.of(tree, "").requiredLong("payloadSize");
        if (size < 0 || size > AdapterPublished.MAX_PAYLOAD_BYTES) {
            throw new InvalidEventException(
                    "payloadSize", "must be in [0, " + AdapterPublished.MAX_PAYLOAD_BYTES + "], was " + size);
        }
        return size;
    }

    /**
     * The adapter in a header tree: inline when {@code payload} is null, else chunked with the files
     * cut out of {@code payload} by their sizes. The tree is modified.
     */
    public static AdapterPublished fromTree(JsonNode tree, byte[] payload) {
        ChunkJson.checkSchemaVersion(tree, AdapterPublished.SCHEMA_VERSION);
        if (payload == null) {
            if (isChunked(tree)) {
                throw new InvalidEventException(
                        CHUNK_COUNT,
                        "this is the header of a chunked adapter (" + tree.get(CHUNK_COUNT)
                                + " chunks): feed the topic's records to AdapterAssembler to read it");
            }
            return ChunkJson.read(tree, AdapterPublished.class);
        }
        ObjectNode root = (ObjectNode) tree;
        JsonNode files = root.get("files");
        if (files == null || !files.isArray()) {
            throw new InvalidEventException("files", "must be an array");
        }
        int from = 0;
        for (int i = 0; i < files.size(); i++) {
            JsonFieldReader file = JsonFieldReader.of(files.get(i), "files[" + i + "]");
            long size = file.requiredLong("size");
            if (size < 0 || from + size > payload.length) {
                throw new InvalidEventException(
                        "files[" + i + "].size",
                        "is " + size + " but only " + (payload.length - from) + " payload bytes are left");
            }
            ObjectNode f = (ObjectNode) files.get(i);
            f.remove("size");
            f.put("bytes", Arrays.copyOfRange(payload, from, from + (int) size));
            from += (int) size;
        }
        if (from != payload.length) {
            throw new InvalidEventException(
                    "files", "the file sizes add up to " + from + " bytes but the payload has " + payload.length);
        }
        root.remove(CHUNK_COUNT);
        return ChunkJson.read(root, AdapterPublished.class);
    }
}
