package dev.engram.retriever.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The hand-written reader against a small ModelProto written field by field. */
class OnnxInitializerReaderTest {

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        body.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] model() throws IOException {
        ByteBuffer raw = ByteBuffer.allocate(6 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            raw.putFloat(i + 0.5f);
        }
        byte[] matmul = message(o -> {
            o.writeInt64(1, 2);
            o.writeInt64(1, 3);
            o.writeInt32(2, 1);
            o.writeString(8, "onnx::MatMul_7");
            o.writeBytes(9, ByteString.copyFrom(raw.array()));
        });
        byte[] bias = message(o -> {
            o.writeInt64(1, 3);
            o.writeInt32(2, 1);
            o.writeFloat(4, 1f);
            o.writeFloat(4, 2f);
            o.writeFloat(4, 3f);
            o.writeString(8, "encoder.layer.0.attention.self.query.bias");
        });
        byte[] heads = message(o -> {
            o.writeInt32(2, 7);
            o.writeBytes(
                    9,
                    ByteString.copyFrom(ByteBuffer.allocate(8)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(12)
                            .array()));
        });
        byte[] attribute = message(o -> {
            o.writeString(1, "value");
            o.writeByteArray(5, heads);
        });
        byte[] node = message(o -> {
            o.writeString(1, "/embeddings/LayerNorm/Add_1_output_0");
            o.writeString(1, "onnx::MatMul_7");
            o.writeString(2, "/encoder/layer.0/attention/self/query/MatMul_output_0");
            o.writeString(3, "/encoder/layer.0/attention/self/query/MatMul");
            o.writeString(4, "MatMul");
        });
        byte[] constant = message(o -> {
            o.writeString(2, "/encoder/layer.0/attention/self/Constant_2_output_0");
            o.writeString(3, "/encoder/layer.0/attention/self/Constant_2");
            o.writeString(4, "Constant");
            o.writeByteArray(5, attribute);
        });
        byte[] graph = message(o -> {
            o.writeByteArray(1, node);
            o.writeByteArray(1, constant);
            o.writeString(2, "torch_jit");
            o.writeByteArray(5, matmul);
            o.writeByteArray(5, bias);
        });
        return message(o -> {
            o.writeInt64(1, 8);
            o.writeString(2, "pytorch");
            o.writeByteArray(7, graph);
        });
    }

    @Test
    void readsRawAndPackedInitializersNodesAndConstants() throws IOException {
        OnnxGraph graph = OnnxInitializerReader.read(model(), "test.onnx");

        OnnxTensor w = graph.initializers().get("onnx::MatMul_7");
        assertThat(w.dims()).containsExactly(2, 3);
        assertThat(w.floats()).containsExactly(0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f);
        assertThat(graph.initializers()
                        .get("encoder.layer.0.attention.self.query.bias")
                        .floats())
                .containsExactly(1f, 2f, 3f);
        assertThat(graph.nodes()).hasSize(2);
        OnnxNode matmul = graph.nodes().get(0);
        assertThat(matmul.opType()).isEqualTo("MatMul");
        assertThat(matmul.inputs()).containsExactly("/embeddings/LayerNorm/Add_1_output_0", "onnx::MatMul_7");
        OnnxNode constant = graph.producerOf("/encoder/layer.0/attention/self/Constant_2_output_0")
                .orElseThrow();
        assertThat(constant.value().longs()).containsExactly(12L);
    }

    @Test
    void aTruncatedFileIsRejectedWithItsName() throws IOException {
        byte[] bytes = model();
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 10);
        assertThatThrownBy(() -> OnnxInitializerReader.read(cut, "cut.onnx"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cut.onnx");
    }

    @Test
    void aFileWithoutAGraphIsRejected() throws IOException {
        byte[] noGraph = message(o -> o.writeString(2, "pytorch"));
        assertThatThrownBy(() -> OnnxInitializerReader.read(noGraph, "empty.onnx"))
                .hasMessageContaining("no graph");
    }
}
