package dev.engram.adapters.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.adapters.InvalidAdapterException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format, float32 only: an 8-byte little-endian header length, a UTF-8 JSON header
 * ({@code {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__":
 * {...}}}), then the little-endian tensor bytes. Reading checks everything and says what is wrong.
 */
public final class SafetensorsFile {

    /** Header size limit of the reference implementation (100 MB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a file holds: tensors by name (sorted) and the string metadata. */
    public record Contents(Map<String, FloatTensor> tensors, Map<String, String> metadata) {}

    private SafetensorsFile() {}

    /** Writes atomically (temp file, then move). Tensors are laid out in name order. */
    public static void write(Path file, Map<String, FloatTensor> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, FloatTensor> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, FloatTensor> e : sorted.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("a tensor may not be called __metadata__");
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            ArrayNode shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long end = offset + 4L * e.getValue().data().length;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        int padded = (headerBytes.length + 7) / 8 * 8; // align data to 8 bytes, pad with spaces
        ByteBuffer buf =
                ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded);
        buf.put(headerBytes);
        for (int i = headerBytes.length; i < padded; i++) {
            buf.put((byte) ' ');
        }
        for (FloatTensor t : sorted.values()) {
            buf.asFloatBuffer().put(t.data());
            buf.position(buf.position() + 4 * t.data().length);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, buf.array());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads and validates {@code file}; any problem is an {@link InvalidAdapterException} naming it. */
    public static Contents read(Path file) throws InvalidAdapterException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidAdapterException(file, "cannot read safetensors file: " + e, e);
        }
        return parse(file, bytes);
    }

    static Contents parse(Path file, byte[] bytes) throws InvalidAdapterException {
        if (bytes.length < 8) {
            throw new InvalidAdapterException(
                    file,
                    "bad header length: file has " + bytes.length + " bytes, fewer than the 8-byte header length");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = buf.getLong();
        if (headerLength <= 0 || headerLength > bytes.length - 8L || headerLength > MAX_HEADER_BYTES) {
            throw new InvalidAdapterException(
                    file,
                    "bad header length " + headerLength + " (file has " + bytes.length
                            + " bytes; the header must fit in the file and in 100 MB)");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new InvalidAdapterException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new InvalidAdapterException(file, "header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataLength = bytes.length - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, FloatTensor> tensors = new TreeMap<>();
        long[][] ranges = new long[header.size()][];
        int n = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode node = e.getValue();
            if (name.equals("__metadata__")) {
                if (!node.isObject()) {
                    throw new InvalidAdapterException(file, "__metadata__ must be an object of strings");
                }
                for (Iterator<Map.Entry<String, JsonNode>> m = node.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) {
                        throw new InvalidAdapterException(file, "__metadata__." + kv.getKey() + " is not a string");
                    }
                    metadata.put(kv.getKey(), kv.getValue().asText());
                }
                continue;
            }
            String dtype = node.path("dtype").asText("");
            if (!dtype.equals("F32")) {
                throw new InvalidAdapterException(
                        file,
                        "tensor " + name + " has dtype '" + dtype
                                + "'; only F32 is supported (convert the adapter to float32)");
            }
            JsonNode shapeNode = node.path("shape");
            JsonNode offsets = node.path("data_offsets");
            if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new InvalidAdapterException(
                        file, "tensor " + name + " lacks a shape array or a" + " [begin, end] data_offsets pair");
            }
            long[] shape = new long[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.canConvertToLong() || d.asLong() < 0) {
                    throw new InvalidAdapterException(file, "tensor " + name + " has a bad shape " + shapeNode);
                }
                shape[i] = d.asLong();
                count *= shape[i];
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataLength) {
                throw new InvalidAdapterException(
                        file,
                        "tensor " + name + " has data_offsets [" + begin + ", " + end + "] outside the " + dataLength
                                + " data bytes (truncated file?)");
            }
            if (end - begin != 4 * count) {
                throw new InvalidAdapterException(
                        file,
                        "tensor " + name + " with shape " + shapeNode + " needs " + 4 * count
                                + " bytes, data_offsets give " + (end - begin));
            }
            float[] data = new float[(int) count];
            ByteBuffer slice = ByteBuffer.wrap(bytes, (int) (dataStart + begin), (int) (end - begin))
                    .order(ByteOrder.LITTLE_ENDIAN);
            slice.asFloatBuffer().get(data);
            tensors.put(name, new FloatTensor(shape, data));
            ranges[n++] = new long[] {begin, end};
        }
        long[][] used = Arrays.copyOf(ranges, n);
        Arrays.sort(used, (x, y) -> Long.compare(x[0], y[0]));
        long covered = 0;
        for (long[] r : used) {
            if (r[0] != covered) {
                throw new InvalidAdapterException(file, "tensor data overlaps or leaves a gap at byte " + covered);
            }
            covered = r[1];
        }
        if (covered != dataLength) {
            throw new InvalidAdapterException(
                    file, "data region has " + dataLength + " bytes but the" + " tensors cover " + covered);
        }
        return new Contents(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }
}
