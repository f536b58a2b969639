package dev.engram.agentmodel.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.agentmodel.InvalidModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a safetensors file: an 8-byte little-endian header length, a UTF-8 JSON header
 * ({@code {"name": {"dtype": "BF16", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}}),
 * then the raw little-endian tensors. F32, F16 and BF16 become float32. The header is checked when
 * the file is opened; a tensor's bytes are read only when asked for, so a model bigger than the
 * heap's largest array is read tensor by tensor.
 */
public final class SafetensorsReader {

    /** Header size limit of the reference implementation (100 MB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where one tensor lies in the file. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    private final Path file;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsReader(Path file, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens {@code file} and validates its header; every problem names the file and the tensor. */
    public static SafetensorsReader open(Path file) throws InvalidModelException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new InvalidModelException(
                        file, null, "bad header length: the file has " + size + " bytes, fewer than 8");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long headerLength = len.flip().getLong();
            if (headerLength <= 0 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
                throw new InvalidModelException(
                        file,
                        null,
                        "bad header length " + headerLength + " (the file has " + size
                                + " bytes; the header must fit in it and in 100 MB): not a safetensors file?");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(ch, headerBytes, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new InvalidModelException(file, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (header == null || !header.isObject()) {
                throw new InvalidModelException(file, null, "header is not a JSON object");
            }
            return parse(file, header, 8 + headerLength, size - 8 - headerLength);
        } catch (InvalidModelException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidModelException(file, null, "cannot read: " + e, e);
        }
    }

    private static SafetensorsReader parse(Path file, JsonNode header, long dataStart, long dataLength)
            throws InvalidModelException {
        Map<String, Entry> entries = new TreeMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode node = e.getValue();
            if (name.equals("__metadata__")) {
                node.fields()
                        .forEachRemaining(
                                kv -> metadata.put(kv.getKey(), kv.getValue().asText()));
                continue;
            }
            String dtype = node.path("dtype").asText("");
            int width = bytesPer(dtype);
            if (width == 0) {
                throw new InvalidModelException(
                        file,
                        name,
                        "dtype '" + dtype + "' is not supported (F32, F16 or BF16; quantised files are not)");
            }
            JsonNode shapeNode = node.path("shape");
            JsonNode offsets = node.path("data_offsets");
            if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new InvalidModelException(file, name, "needs a shape array and data_offsets [begin, end]");
            }
            long[] shape = new long[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                if (!shapeNode.get(i).canConvertToLong() || shapeNode.get(i).asLong() < 0) {
                    throw new InvalidModelException(file, name, "shape " + shapeNode + " is not a list of sizes");
                }
                shape[i] = shapeNode.get(i).asLong();
                count = Math.multiplyExact(count, shape[i]);
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataLength) {
                throw new InvalidModelException(
                        file,
                        name,
                        "data_offsets " + offsets + " fall outside the data region of " + dataLength + " bytes");
            }
            if (end - begin != count * width) {
                throw new InvalidModelException(
                        file,
                        name,
                        "shape " + shapeNode + " in " + dtype + " needs " + count * width + " bytes, data_offsets give "
                                + (end - begin));
            }
            if (end - begin > Integer.MAX_VALUE - 8) {
                throw new InvalidModelException(
                        file,
                        name,
                        "holds " + (end - begin) + " bytes; tensors over 2 GiB are not read (save the checkpoint in"
                                + " shards or in BF16)");
            }
            entries.put(name, new Entry(name, dtype, shape, begin, end));
        }
        return new SafetensorsReader(
                file, dataStart, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
    }

    private static int bytesPer(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> 0;
        };
    }

    public Path file() {
        return file;
    }

    /** The tensors in the file by name (sorted). */
    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** One tensor's values as float32. */
    public HostTensor read(String name) throws InvalidModelException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new InvalidModelException(file, name, "no such tensor");
        }
        int bytes = Math.toIntExact(e.end() - e.begin());
        ByteBuffer buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            readFully(ch, buf, dataStart + e.begin());
        } catch (IOException ex) {
            throw new InvalidModelException(file, name, "cannot read: " + ex, ex);
        }
        buf.flip();
        float[] out = new float[bytes / bytesPer(e.dtype())];
        switch (e.dtype()) {
            case "F32" -> buf.asFloatBuffer().get(out);
            case "F16" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = halfToFloat(buf.getShort());
                }
            }
            default -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((buf.getShort() & 0xFFFF) << 16);
                }
            }
        }
        return new HostTensor(e.shape(), out);
    }

    /** IEEE 754 binary16 to float32 (subnormals, infinities and NaN included). */
    static float halfToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h >>> 15) << 31;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float value = mant * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    @Override
    public String toString() {
        return "SafetensorsReader[" + file + ", " + entries.size() + " tensors, e.g. "
                + Arrays.toString(entries.keySet().stream().limit(3).toArray()) + "]";
    }
}
