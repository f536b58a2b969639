package dev.engram.retriever.internal;

import java.util.List;
import java.util.Objects;

/**
 * One operator of an ONNX graph.
 *
 * @param name e.g. {@code /encoder/layer.0/attention/self/query/MatMul}
 * @param opType e.g. {@code MatMul}
 * @param inputs names of the tensors it reads
 * @param outputs names of the tensors it writes
 * @param value the tensor of a {@code Constant} node's {@code value} attribute, otherwise {@code null}
 */
public record OnnxNode(String name, String opType, List<String> inputs, List<String> outputs, OnnxTensor value) {

    public OnnxNode {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(opType, "opType");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
