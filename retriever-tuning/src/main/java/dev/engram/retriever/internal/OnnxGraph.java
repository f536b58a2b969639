package dev.engram.retriever.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What Engram needs from an ONNX model: its initializers (the weights) and its nodes (to tell
 * which layer an anonymous {@code onnx::MatMul_N} weight belongs to).
 */
public record OnnxGraph(Map<String, OnnxTensor> initializers, List<OnnxNode> nodes) {

    public OnnxGraph {
        initializers = Map.copyOf(initializers);
        nodes = List.copyOf(nodes);
    }

    /** The node that writes {@code tensorName}, if any. */
    public Optional<OnnxNode> producerOf(String tensorName) {
        return nodes.stream().filter(n -> n.outputs().contains(tensorName)).findFirst();
    }
}
