package dev.engram.retriever;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.jni.JniUtils;
import dev.engram.adapters.FrozenLinear;
import dev.engram.adapters.Linear;
import dev.engram.retriever.internal.BertCheckpoint;
import dev.engram.retriever.internal.OnnxInitializerReader;
import dev.engram.retriever.internal.OnnxTensor;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A BERT-family text encoder (all-MiniLM-L6-v2, bge-small-en-v1.5, ...) written with NDArray ops
 * on DJL's PyTorch engine.
 *
 * <p>Every projection is called through a {@link Linear} held under its Hugging Face module path
 * ({@code encoder.layer.N.attention.self.query|key|value}, {@code encoder.layer.N.attention.output.dense},
 * {@code encoder.layer.N.intermediate.dense}, {@code encoder.layer.N.output.dense}), so that a LoRA
 * layer can stand in for any of them without this class knowing: {@link #withLinears} returns a
 * view that shares all weights and swaps the given projections.
 *
 * <pre>{@code
 * BertEncoder base = BertEncoder.fromOnnx(in, "all-minilm-l6-v2.onnx", Pooling.MEAN, manager);
 * Map<String, Linear> lora = loraModel.wrap(base.baseLinears());   // adapter-trainer
 * BertEncoder tuned = base.withLinears(lora);
 * try (NDManager step = manager.newSubManager()) {
 *     NDArray pooled = tuned.embed(step, batch, true);   // [batch, hidden], differentiable
 *     ...loss, backward; close step after backward
 * }
 * }</pre>
 *
 * <p>Thread-safe: a forward pass only reads the weights. The views share the weights of the
 * encoder they came from; close only that one.
 */
public final class BertEncoder implements AutoCloseable {

    private static final String[] PROJECTIONS = {
        "attention.self.query", "attention.self.key", "attention.self.value",
        "attention.output.dense", "intermediate.dense", "output.dense"
    };

    private final BertConfig config;
    private final Pooling pooling;
    private final NDManager manager;
    private final boolean ownsWeights;
    private final Map<String, NDArray> tables;
    private final Map<String, FrozenLinear> base;
    private final Map<String, Linear> linears;
    /** Per layer, query, key and value of the base model in one projection, the query pre-scaled. */
    private final List<FrozenLinear> fusedQkv;

    private BertEncoder(
            BertConfig config,
            Pooling pooling,
            NDManager manager,
            boolean ownsWeights,
            Map<String, NDArray> tables,
            Map<String, FrozenLinear> base,
            Map<String, Linear> linears,
            List<FrozenLinear> fusedQkv) {
        this.config = config;
        this.pooling = pooling;
        this.manager = manager;
        this.ownsWeights = ownsWeights;
        this.tables = tables;
        this.base = base;
        this.linears = linears;
        this.fusedQkv = fusedQkv;
    }

    /**
     * Loads an encoder from an ONNX export of a BERT model (weights stored as initializers).
     *
     * @param onnx the model file's bytes; read fully, not closed
     * @param source a name for error messages (file or resource name)
     * @param pooling how token vectors become a text vector
     * @param parent the weights live in a sub-manager of it, freed by {@link #close()}
     */
    public static BertEncoder fromOnnx(InputStream onnx, String source, Pooling pooling, NDManager parent) {
        BertCheckpoint checkpoint = BertCheckpoint.fromOnnx(OnnxInitializerReader.read(onnx, source), source);
        return fromCheckpoint(checkpoint, pooling, parent);
    }

    static BertEncoder fromCheckpoint(BertCheckpoint checkpoint, Pooling pooling, NDManager parent) {
        Objects.requireNonNull(pooling, "pooling");
        BertConfig c = checkpoint.config();
        NDManager m = parent.newSubManager();
        Map<String, NDArray> tables = new LinkedHashMap<>();
        Map<String, FrozenLinear> base = new LinkedHashMap<>();
        try {
            for (String name : new String[] {
                "embeddings.word_embeddings.weight",
                "embeddings.position_embeddings.weight",
                "embeddings.token_type_embeddings.weight",
                "embeddings.LayerNorm.weight",
                "embeddings.LayerNorm.bias"
            }) {
                tables.put(name, array(m, checkpoint.tensor(name)));
            }
            for (int l = 0; l < c.numLayers(); l++) {
                String p = "encoder.layer." + l + ".";
                for (String norm : new String[] {"attention.output.LayerNorm", "output.LayerNorm"}) {
                    tables.put(p + norm + ".weight", array(m, checkpoint.tensor(p + norm + ".weight")));
                    tables.put(p + norm + ".bias", array(m, checkpoint.tensor(p + norm + ".bias")));
                }
                for (String proj : PROJECTIONS) {
                    base.put(
                            p + proj,
                            new FrozenLinear(
                                    array(m, checkpoint.tensor(p + proj + ".weight")),
                                    array(m, checkpoint.tensor(p + proj + ".bias"))));
                }
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        Map<String, FrozenLinear> frozen = Collections.unmodifiableMap(base);
        return new BertEncoder(
                c,
                pooling,
                m,
                true,
                Collections.unmodifiableMap(tables),
                frozen,
                Collections.unmodifiableMap(new LinkedHashMap<>(frozen)),
                fuseQkv(c, frozen, m));
    }

    /**
     * One [3 * hidden, hidden] projection per layer: one matrix product instead of three, with the
     * attention scale folded into the query rows (the base weights are never written, so the copy
     * cannot go stale). Costs 3 * hidden^2 floats per layer (1.8 MB for MiniLM).
     */
    private static List<FrozenLinear> fuseQkv(BertConfig c, Map<String, FrozenLinear> base, NDManager m) {
        List<FrozenLinear> fused = new ArrayList<>();
        float scale = (float) (1.0 / Math.sqrt(c.headSize()));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "encoder.layer." + l + ".attention.self.";
            FrozenLinear q = base.get(p + "query");
            FrozenLinear k = base.get(p + "key");
            FrozenLinear v = base.get(p + "value");
            float[] qw = q.weight().toFloatArray();
            float[] qb = q.bias().toFloatArray();
            for (int i = 0; i < qw.length; i++) {
                qw[i] *= scale;
            }
            for (int i = 0; i < qb.length; i++) {
                qb[i] *= scale;
            }
            float[] w = concat(qw, k.weight().toFloatArray(), v.weight().toFloatArray());
            float[] b = concat(qb, k.bias().toFloatArray(), v.bias().toFloatArray());
            fused.add(new FrozenLinear(
                    m.create(w, new Shape(3L * c.hiddenSize(), c.hiddenSize())),
                    m.create(b, new Shape(3L * c.hiddenSize()))));
        }
        return List.copyOf(fused);
    }

    private static float[] concat(float[] a, float[] b, float[] c) {
        float[] out = new float[a.length + b.length + c.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        System.arraycopy(c, 0, out, a.length + b.length, c.length);
        return out;
    }

    private static NDArray array(NDManager m, OnnxTensor t) {
        NDArray a = m.create(FloatBuffer.wrap(t.floats()), new Shape(t.dims()));
        a.setName(t.name());
        return a;
    }

    /** The architecture read from the model. */
    public BertConfig config() {
        return config;
    }

    /** How this encoder pools token vectors. */
    public Pooling pooling() {
        return pooling;
    }

    /** HF module paths of all projections, in layer order. */
    public List<String> linearNames() {
        return new ArrayList<>(base.keySet());
    }

    /** The pretrained projections by HF module path; LoRA wraps these. Unmodifiable. */
    public Map<String, FrozenLinear> baseLinears() {
        return base;
    }

    /** The projections this view calls (the base ones unless replaced). Unmodifiable. */
    public Map<String, Linear> linears() {
        return linears;
    }

    /**
     * A view of this encoder that calls {@code replacements} instead of the projections with the same
     * HF module path, and this encoder's projections elsewhere. Shares every weight; closing the view
     * frees nothing. An empty map gives the base encoder back.
     *
     * @throws IllegalArgumentException for a path that is not a projection of this model, or a
     *     replacement whose in/out features differ from the base layer's
     */
    public BertEncoder withLinears(Map<String, ? extends Linear> replacements) {
        Map<String, Linear> next = new LinkedHashMap<>(base);
        for (Map.Entry<String, ? extends Linear> e : replacements.entrySet()) {
            FrozenLinear old = base.get(e.getKey());
            if (old == null) {
                throw new IllegalArgumentException("no projection named " + e.getKey()
                        + " in this model; projections are named like encoder.layer.0.attention.self.query"
                        + " (0.." + (config.numLayers() - 1) + ")");
            }
            Linear l = Objects.requireNonNull(e.getValue(), "replacement for " + e.getKey());
            if (l.inFeatures() != old.inFeatures() || l.outFeatures() != old.outFeatures()) {
                throw new IllegalArgumentException("replacement for " + e.getKey() + " maps "
                        + l.inFeatures() + " -> " + l.outFeatures() + ", the model needs "
                        + old.inFeatures() + " -> " + old.outFeatures());
            }
            next.put(e.getKey(), l);
        }
        return new BertEncoder(
                config, pooling, manager, false, tables, base, Collections.unmodifiableMap(next), fusedQkv);
    }

    /**
     * Pooled text vectors, [batch, hidden], not normalised.
     *
     * @param m the result and the arrays shared across layers are attached to it (each layer's own
     *     intermediates are freed as the layer ends); when {@code training}, keep it open until after
     *     backward
     * @param training {@code true}: gradients flow to any projection parameters that require them
     *     (dropout stays off); {@code false}: no autograd graph is recorded
     */
    public NDArray embed(NDManager m, TokenBatch batch, boolean training) {
        boolean previous = enterGradMode(training);
        try {
            NDArray hidden = forward(m, batch, training);
            NDArray pooled = pool(m, hidden, batch);
            pooled.attach(m);
            return pooled;
        } finally {
            restoreGradMode(previous);
        }
    }

    /** Last hidden states, [batch, length, hidden]; see {@link #embed} for the arguments. */
    public NDArray hiddenStates(NDManager m, TokenBatch batch, boolean training) {
        boolean previous = enterGradMode(training);
        try {
            return forward(m, batch, training);
        } finally {
            restoreGradMode(previous);
        }
    }

    private NDArray forward(NDManager m, TokenBatch batch, boolean training) {
        int b = batch.size();
        int t = batch.length();
        if (t > config.maxPositions()) {
            throw new IllegalArgumentException(
                    "batch length " + t + " exceeds the model's " + config.maxPositions() + " positions");
        }
        Shape shape = new Shape(b, t);
        NDArray ids = m.create(batch.inputIds(), shape);
        NDArray types = m.create(batch.tokenTypeIds(), shape);
        NDArray positions = m.arange(0, t, 1, DataType.INT64);
        NDArrayEx ex = ids.getNDArrayInternal();
        NDArray x = ex.embedding(ids, tables.get("embeddings.word_embeddings.weight"), SparseFormat.DENSE)
                .singletonOrThrow()
                .add(ex.embedding(types, tables.get("embeddings.token_type_embeddings.weight"), SparseFormat.DENSE)
                        .singletonOrThrow())
                .add(ex.embedding(positions, tables.get("embeddings.position_embeddings.weight"), SparseFormat.DENSE)
                        .singletonOrThrow());
        x = layerNorm(x, "embeddings.LayerNorm");
        // a batch without padding (length-sorted batches often are) needs no mask: one pass fewer
        // over the [batch, heads, t, t] scores per layer
        NDArray maskBias = isPadded(batch) ? m.create(maskBias(batch), new Shape(b, 1, 1, t)) : null;
        NDArray scale = m.create((float) (1.0 / Math.sqrt(config.headSize())));
        for (int l = 0; l < config.numLayers(); l++) {
            // Each layer's intermediates are freed as soon as the layer is done. In training the
            // autograd graph keeps its own reference to what backward needs (the softmax output,
            // the GELU's input, the adapters' inputs, ...), so closing our handles frees the rest
            // (scores, projections, residual sums) at once, and what the graph keeps is freed node
            // by node during backward instead of all at the end of the step. Only op outputs are
            // closed here: nothing in a layer wraps Java memory (DESIGN.md, DJL pitfall 1).
            try (NDManager scope = m.newSubManager()) {
                x.attach(scope);
                x = layer(l, x, maskBias, scale, b, t);
                x.attach(m);
            }
        }
        return x;
    }

    private NDArray layer(int l, NDArray x, NDArray maskBias, NDArray scale, int b, int t) {
        String p = "encoder.layer." + l + ".";
        int heads = config.numHeads();
        int d = config.headSize();
        NDArray q;
        NDArray k;
        NDArray v;
        if (usesBase(p + "attention.self.query")
                && usesBase(p + "attention.self.key")
                && usesBase(p + "attention.self.value")) {
            // [b, t, 3 * hidden] -> [3, b, heads, t, d]: one product, the query already scaled
            NDList qkv = fusedQkv.get(l)
                    .forward(x)
                    .reshape(b, t, 3, heads, d)
                    .transpose(2, 0, 3, 1, 4)
                    .split(3, 0);
            q = qkv.get(0).squeeze(0);
            k = qkv.get(1).squeeze(0);
            v = qkv.get(2).squeeze(0);
        } else {
            q = heads(linears.get(p + "attention.self.query").forward(x), b, t, heads, d)
                    .mul(scale);
            k = heads(linears.get(p + "attention.self.key").forward(x), b, t, heads, d);
            v = heads(linears.get(p + "attention.self.value").forward(x), b, t, heads, d);
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
        NDArray probs = (maskBias == null ? scores : scores.add(maskBias)).softmax(-1);
        NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, config.hiddenSize());
        NDArray attended = layerNorm(
                linears.get(p + "attention.output.dense").forward(context).add(x), p + "attention.output.LayerNorm");
        NDArray inner = linears.get(p + "intermediate.dense")
                .forward(attended)
                .getNDArrayInternal()
                .gelu();
        return layerNorm(linears.get(p + "output.dense").forward(inner).add(attended), p + "output.LayerNorm");
    }

    private boolean usesBase(String projection) {
        return linears.get(projection) == base.get(projection);
    }

    private static NDArray heads(NDArray x, int b, int t, int heads, int d) {
        return x.reshape(b, t, heads, d).transpose(0, 2, 1, 3);
    }

    private NDArray layerNorm(NDArray x, String name) {
        return x.getNDArrayInternal()
                .layerNorm(
                        x,
                        new Shape(config.hiddenSize()),
                        tables.get(name + ".weight"),
                        tables.get(name + ".bias"),
                        config.layerNormEps())
                .singletonOrThrow();
    }

    private NDArray pool(NDManager m, NDArray hidden, TokenBatch batch) {
        if (pooling == Pooling.CLS) {
            return hidden.get(":, 0, :");
        }
        if (!isPadded(batch)) {
            return hidden.mean(new int[] {1});
        }
        float[] mask = new float[batch.inputIds().length];
        float[] counts = new float[batch.size()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = batch.attentionMask()[i];
            counts[i / batch.length()] += mask[i];
        }
        NDArray maskArray = m.create(mask, new Shape(batch.size(), batch.length(), 1));
        NDArray count = m.create(counts, new Shape(batch.size(), 1));
        return hidden.mul(maskArray).sum(new int[] {1}).div(count);
    }

    private static boolean isPadded(TokenBatch batch) {
        for (long m : batch.attentionMask()) {
            if (m == 0) {
                return true;
            }
        }
        return false;
    }

    /** 0 where a token may be attended to, the lowest float where it is padding (as HF does). */
    private static float[] maskBias(TokenBatch batch) {
        float[] bias = new float[batch.inputIds().length];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = batch.attentionMask()[i] == 0 ? -Float.MAX_VALUE : 0f;
        }
        return bias;
    }

    private boolean enterGradMode(boolean training) {
        if (!isPyTorch()) {
            return training;
        }
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(training && previous);
        return previous;
    }

    private void restoreGradMode(boolean previous) {
        if (isPyTorch()) {
            JniUtils.setGradMode(previous);
        }
    }

    private boolean isPyTorch() {
        return "PyTorch".equals(manager.getEngine().getEngineName());
    }

    /** Frees the weights if this is the loaded encoder; a view frees nothing. */
    @Override
    public void close() {
        if (ownsWeights) {
            manager.close();
        }
    }

    @Override
    public String toString() {
        long replaced = linears.entrySet().stream()
                .filter(e -> e.getValue() != base.get(e.getKey()))
                .count();
        return "BertEncoder[" + config + ", " + pooling + ", " + replaced + " replaced projections]";
    }
}
