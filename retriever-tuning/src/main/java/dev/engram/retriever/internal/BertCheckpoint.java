package dev.engram.retriever.internal;

import dev.engram.retriever.BertConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The weights of a BERT encoder under Hugging Face parameter names, recovered from an ONNX export.
 *
 * <p>The exporter keeps readable names for biases, LayerNorm and embedding tables, but stores each
 * projection matrix as an anonymous {@code onnx::MatMul_N} initializer in [in, out] layout. The
 * {@code MatMul} node that consumes it carries the module path
 * ({@code /encoder/layer.0/attention/self/query/MatMul}), so the matrix is named after that node and
 * transposed to the [out, in] layout of {@code torch.nn.Linear}.
 *
 * @param config the architecture, derived from tensor shapes and graph constants
 * @param tensors HF parameter name → tensor (e.g. {@code encoder.layer.0.attention.self.query.weight})
 */
public record BertCheckpoint(BertConfig config, Map<String, OnnxTensor> tensors) {

    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");
    private static final float DEFAULT_EPS = 1e-12f;

    public BertCheckpoint {
        tensors = Map.copyOf(tensors);
    }

    /** The tensor named {@code name}, or an error that names what is missing. */
    public OnnxTensor tensor(String name) {
        OnnxTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(
                    "the model has no parameter " + name + "; it has " + new TreeSet<>(tensors.keySet()));
        }
        return t;
    }

    /** Maps an ONNX BERT export to HF parameter names and derives its configuration. */
    public static BertCheckpoint fromOnnx(OnnxGraph graph, String source) {
        Map<String, OnnxTensor> named = new LinkedHashMap<>();
        for (OnnxTensor t : graph.initializers().values()) {
            if (t.dataType() != OnnxTensor.FLOAT) {
                continue;
            }
            hfName(t.name()).ifPresent(n -> named.put(n, t));
        }
        for (OnnxNode node : graph.nodes()) {
            if (!node.opType().equals("MatMul") || node.inputs().size() != 2) {
                continue;
            }
            OnnxTensor w = graph.initializers().get(node.inputs().get(1));
            if (w == null || w.dims().length != 2 || w.floats() == null) {
                continue;
            }
            String module = node.name()
                    .replaceFirst("^/", "")
                    .replaceFirst("/MatMul(_\\d+)?$", "")
                    .replace('/', '.');
            hfName(module + ".weight").ifPresent(n -> named.put(n, transpose(w, n)));
        }
        BertConfig config = deriveConfig(graph, named, source);
        return new BertCheckpoint(config, named);
    }

    /** Strips wrapper prefixes ({@code bert.}, {@code 0.auto_model.}) down to embeddings./encoder. */
    private static Optional<String> hfName(String name) {
        for (String root : new String[] {"embeddings.", "encoder.layer."}) {
            int at = name.indexOf(root);
            if (at == 0 || (at > 0 && name.charAt(at - 1) == '.')) {
                String n = name.substring(at);
                return n.equals("embeddings.position_ids") ? Optional.empty() : Optional.of(n);
            }
        }
        return Optional.empty();
    }

    private static OnnxTensor transpose(OnnxTensor w, String name) {
        int in = (int) w.dims()[0];
        int out = (int) w.dims()[1];
        float[] src = w.floats();
        float[] dst = new float[src.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                dst[o * in + i] = src[i * out + o];
            }
        }
        return new OnnxTensor(name, new long[] {out, in}, OnnxTensor.FLOAT, dst, null);
    }

    private static BertConfig deriveConfig(OnnxGraph graph, Map<String, OnnxTensor> named, String source) {
        OnnxTensor words = require(named, "embeddings.word_embeddings.weight", source);
        OnnxTensor positions = require(named, "embeddings.position_embeddings.weight", source);
        OnnxTensor types = require(named, "embeddings.token_type_embeddings.weight", source);
        OnnxTensor intermediate = require(named, "encoder.layer.0.intermediate.dense.weight", source);
        int hidden = (int) words.dims()[1];
        int layers = 0;
        for (String n : named.keySet()) {
            Matcher m = LAYER.matcher(n);
            if (m.find()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        int heads = headsFromGraph(graph, hidden)
                .orElseThrow(
                        () -> new IllegalArgumentException("could not find the number of attention heads in " + source
                                + ": no Reshape constant under /encoder/layer.0/attention/self divides the hidden size "
                                + hidden));
        float eps = epsFromGraph(graph).orElse(DEFAULT_EPS);
        return new BertConfig(
                (int) words.dims()[0],
                hidden,
                layers,
                heads,
                (int) intermediate.dims()[0],
                (int) positions.dims()[0],
                (int) types.dims()[0],
                eps);
    }

    /**
     * The exporter reshapes [batch, seq, hidden] to [batch, seq, heads, headSize] with a
     * {@code Concat} of two dynamic sizes and two constants; the constants are heads and head size.
     */
    private static Optional<Integer> headsFromGraph(OnnxGraph graph, int hidden) {
        for (OnnxNode node : graph.nodes()) {
            if (!node.opType().equals("Concat")
                    || !node.name().contains("layer.0/attention/self/")
                    || node.inputs().size() != 4) {
                continue;
            }
            Optional<Long> heads = scalar(graph, node.inputs().get(2));
            Optional<Long> size = scalar(graph, node.inputs().get(3));
            if (heads.isPresent() && size.isPresent() && heads.get() * size.get() == hidden) {
                return Optional.of(heads.get().intValue());
            }
        }
        return Optional.empty();
    }

    /** The epsilon the exporter adds to the variance in the embeddings' LayerNorm. */
    private static Optional<Float> epsFromGraph(OnnxGraph graph) {
        for (OnnxNode node : graph.nodes()) {
            if (node.opType().equals("Add") && node.name().endsWith("embeddings/LayerNorm/Add")) {
                for (String input : node.inputs()) {
                    Optional<OnnxTensor> c = constant(graph, input);
                    if (c.isPresent() && c.get().floats() != null && c.get().floats().length == 1) {
                        return Optional.of(c.get().floats()[0]);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Long> scalar(OnnxGraph graph, String tensorName) {
        return constant(graph, tensorName)
                .filter(t -> t.longs() != null && t.longs().length == 1)
                .map(t -> t.longs()[0]);
    }

    private static Optional<OnnxTensor> constant(OnnxGraph graph, String tensorName) {
        OnnxTensor init = graph.initializers().get(tensorName);
        if (init != null) {
            return Optional.of(init);
        }
        return graph.producerOf(tensorName)
                .filter(n -> n.opType().equals("Constant"))
                .map(OnnxNode::value);
    }

    private static OnnxTensor require(Map<String, OnnxTensor> named, String name, String source) {
        OnnxTensor t = named.get(name);
        if (t == null) {
            throw new IllegalArgumentException("ONNX model " + source + " has no " + name
                    + " (is it a BERT encoder?); found " + new TreeSet<>(named.keySet()));
        }
        if (t.floats() == null) {
            throw new IllegalArgumentException(
                    name + " in " + source + " is not float32: " + Arrays.toString(t.dims()));
        }
        return t;
    }
}
