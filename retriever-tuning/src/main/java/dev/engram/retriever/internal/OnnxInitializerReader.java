package dev.engram.retriever.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the weights and the operator list of an ONNX model straight from the protobuf wire format,
 * without generated classes or ONNX Runtime.
 *
 * <p>Only the fields Engram needs are decoded; every other field is skipped, so files written by
 * newer exporters still read. Field numbers are those of {@code onnx.proto}: ModelProto.graph = 7;
 * GraphProto.node = 1, initializer = 5; NodeProto input = 1, output = 2, name = 3, op_type = 4,
 * attribute = 5; AttributeProto name = 1, t = 5; TensorProto dims = 1, data_type = 2,
 * float_data = 4, int32_data = 5, int64_data = 7, name = 8, raw_data = 9.
 */
public final class OnnxInitializerReader {

    private OnnxInitializerReader() {}

    /** Reads the whole stream (an ONNX file of up to 2 GiB) and decodes its graph. */
    public static OnnxGraph read(InputStream in, String source) {
        try {
            return read(in.readAllBytes(), source);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read ONNX model " + source, e);
        }
    }

    /** Decodes the graph of an ONNX model held in {@code bytes}. */
    public static OnnxGraph read(byte[] bytes, String source) {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        try {
            OnnxGraph graph = null;
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                if (WireFormat.getTagFieldNumber(tag) == 7 && isLengthDelimited(tag)) {
                    int limit = in.pushLimit(in.readRawVarint32());
                    graph = readGraph(in);
                    in.popLimit(limit);
                } else {
                    in.skipField(tag);
                }
            }
            if (graph == null) {
                throw new IllegalArgumentException("ONNX model " + source + " has no graph (field 7)");
            }
            return graph;
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "ONNX model " + source + " is not a valid ModelProto: " + e.getMessage(), e);
        }
    }

    private static OnnxGraph readGraph(CodedInputStream in) throws IOException {
        Map<String, OnnxTensor> initializers = new LinkedHashMap<>();
        List<OnnxNode> nodes = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 && isLengthDelimited(tag)) {
                int limit = in.pushLimit(in.readRawVarint32());
                nodes.add(readNode(in));
                in.popLimit(limit);
            } else if (field == 5 && isLengthDelimited(tag)) {
                int limit = in.pushLimit(in.readRawVarint32());
                OnnxTensor t = readTensor(in);
                in.popLimit(limit);
                initializers.put(t.name(), t);
            } else {
                in.skipField(tag);
            }
        }
        return new OnnxGraph(initializers, nodes);
    }

    private static OnnxNode readNode(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String opType = "";
        OnnxTensor value = null;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(in.readStringRequireUtf8());
                case 2 -> outputs.add(in.readStringRequireUtf8());
                case 3 -> name = in.readStringRequireUtf8();
                case 4 -> opType = in.readStringRequireUtf8();
                case 5 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    OnnxTensor t = readAttributeTensor(in);
                    in.popLimit(limit);
                    if (t != null) {
                        value = t;
                    }
                }
                default -> in.skipField(tag);
            }
        }
        return new OnnxNode(name, opType, inputs, outputs, value);
    }

    /** Returns the tensor of an attribute named {@code value}, or {@code null}. */
    private static OnnxTensor readAttributeTensor(CodedInputStream in) throws IOException {
        String name = "";
        OnnxTensor tensor = null;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1) {
                name = in.readStringRequireUtf8();
            } else if (field == 5 && isLengthDelimited(tag)) {
                int limit = in.pushLimit(in.readRawVarint32());
                tensor = readTensor(in);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        return "value".equals(name) ? tensor : null;
    }

    private static OnnxTensor readTensor(CodedInputStream in) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        ByteBuffer raw = null;
        FloatList floatData = new FloatList();
        List<Long> intData = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            switch (field) {
                case 1 -> readVarints(in, tag, dims);
                case 2 -> dataType = in.readInt32();
                case 4 -> {
                    if (isLengthDelimited(tag)) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (!in.isAtEnd()) {
                            floatData.add(in.readFloat());
                        }
                        in.popLimit(limit);
                    } else {
                        floatData.add(in.readFloat());
                    }
                }
                case 5, 7 -> readVarints(in, tag, intData);
                case 8 -> name = in.readStringRequireUtf8();
                case 9 -> raw = in.readByteBuffer();
                default -> in.skipField(tag);
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long count = OnnxTensor.elementCount(shape);
        float[] floats = null;
        long[] longs = null;
        if (dataType == OnnxTensor.FLOAT) {
            floats = raw != null ? rawFloats(raw, count, name) : floatData.toArray();
        } else if (dataType == OnnxTensor.INT64 || dataType == OnnxTensor.INT32) {
            longs = raw != null
                    ? rawIntegers(raw, count, dataType, name)
                    : intData.stream().mapToLong(Long::longValue).toArray();
        }
        return new OnnxTensor(name, shape, dataType, floats, longs);
    }

    private static float[] rawFloats(ByteBuffer raw, long count, String name) {
        if (raw.remaining() != count * Float.BYTES) {
            throw new IllegalArgumentException("tensor " + name + ": raw_data has " + raw.remaining()
                    + " bytes, its dims need " + count * Float.BYTES);
        }
        float[] values = new float[(int) count];
        raw.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    private static long[] rawIntegers(ByteBuffer raw, long count, int dataType, String name) {
        int width = dataType == OnnxTensor.INT64 ? Long.BYTES : Integer.BYTES;
        if (raw.remaining() != count * width) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": raw_data has " + raw.remaining() + " bytes, its dims need " + count * width);
        }
        ByteBuffer le = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
        long[] values = new long[(int) count];
        for (int i = 0; i < values.length; i++) {
            values[i] = width == Long.BYTES ? le.getLong() : le.getInt();
        }
        return values;
    }

    private static void readVarints(CodedInputStream in, int tag, List<Long> into) throws IOException {
        if (isLengthDelimited(tag)) {
            int limit = in.pushLimit(in.readRawVarint32());
            while (!in.isAtEnd()) {
                into.add(in.readInt64());
            }
            in.popLimit(limit);
        } else {
            into.add(in.readInt64());
        }
    }

    private static boolean isLengthDelimited(int tag) {
        return WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    /** A growable float array, so that unpacked float_data does not box every value. */
    private static final class FloatList {
        private float[] values = new float[16];
        private int size;

        void add(float v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
