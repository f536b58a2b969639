package dev.engram.agentmodel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.jni.JniUtils;
import dev.engram.adapters.FrozenLinear;
import dev.engram.adapters.Linear;
import dev.engram.agentmodel.internal.HostTensor;
import dev.engram.agentmodel.internal.ModelCheckpoint;
import dev.engram.agentmodel.internal.OwnedArrays;
import dev.engram.agentmodel.internal.RotaryTable;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Llama-family decoder (RMSNorm, rotary position embeddings, grouped-query attention, SwiGLU,
 * tied or untied output projection) written with NDArray ops on DJL's PyTorch engine, loaded from
 * a Hugging Face model folder.
 *
 * <p>Every projection of a decoder layer is called through a {@link Linear} held under its Hugging
 * Face module path ({@code model.layers.N.self_attn.q_proj|k_proj|v_proj|o_proj},
 * {@code model.layers.N.mlp.gate_proj|up_proj|down_proj}), so a LoRA layer can stand in for any of
 * them: {@link #withLinears} returns a view that shares every weight and swaps the given ones.
 *
 * <pre>{@code
 * try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
 *         LlamaModel model = LlamaModel.load(Path.of("SmolLM2-135M"), manager);
 *         NDManager step = manager.newSubManager()) {
 *     NDArray logits = model.logits(step, batch, false);   // [batch, length, vocab]
 * }
 * }</pre>
 *
 * <p>Weights are held in float32 whatever the file's dtype. Thread-safe for forward passes; a view
 * shares the weights of the model it came from, so close only that one.
 */
public final class LlamaModel implements AutoCloseable {

    private static final String[] ATTENTION = {"q_proj", "k_proj", "v_proj", "o_proj"};
    private static final String[] MLP = {"gate_proj", "up_proj", "down_proj"};

    private final LlamaConfig config;
    private final Path folder;
    private final NDManager manager;
    private final boolean ownsWeights;
    private final Map<String, NDArray> norms;
    private final NDArray embedTokens;
    private final FrozenLinear lmHead;
    private final Map<String, FrozenLinear> base;
    private final Map<String, Linear> linears;
    private final RotaryTable rotary;
    private final NDArray eps;

    private LlamaModel(
            LlamaConfig config,
            Path folder,
            NDManager manager,
            boolean ownsWeights,
            Map<String, NDArray> norms,
            NDArray embedTokens,
            FrozenLinear lmHead,
            Map<String, FrozenLinear> base,
            Map<String, Linear> linears,
            NDArray eps) {
        this.config = config;
        this.folder = folder;
        this.manager = manager;
        this.ownsWeights = ownsWeights;
        this.norms = norms;
        this.embedTokens = embedTokens;
        this.lmHead = lmHead;
        this.base = base;
        this.linears = linears;
        this.rotary = new RotaryTable(config);
        this.eps = eps;
    }

    /**
     * Loads the model in {@code folder}: {@code config.json} and every {@code *.safetensors} file
     * (the tokenizer is {@link AgentTokenizer}'s).
     *
     * @param parent the weights live in a sub-manager of it (its device), freed by {@link #close()}
     * @throws InvalidModelException naming the file and the field or tensor when the folder is not a
     *     supported model; nothing stays allocated then
     */
    public static LlamaModel load(Path folder, NDManager parent) throws InvalidModelException {
        Objects.requireNonNull(folder, "folder");
        LlamaConfig c = LlamaConfig.read(folder.resolve("config.json"));
        ModelCheckpoint checkpoint = ModelCheckpoint.open(folder);
        NDManager m = parent.newSubManager();
        try {
            long h = c.hiddenSize();
            long q = (long) c.numHeads() * c.headDim();
            long kv = (long) c.numKvHeads() * c.headDim();
            long inner = c.intermediateSize();
            String shapes = "hidden_size=" + h + ", num_attention_heads=" + c.numHeads() + ", num_key_value_heads="
                    + c.numKvHeads() + ", head_dim=" + c.headDim() + ", intermediate_size=" + inner;
            NDArray embed = array(
                    m, checkpoint.require("model.embed_tokens.weight", "vocab_size x hidden_size", c.vocabSize(), h));
            Map<String, NDArray> norms = new LinkedHashMap<>();
            Map<String, FrozenLinear> base = new LinkedHashMap<>();
            for (int l = 0; l < c.numLayers(); l++) {
                String p = "model.layers." + l + ".";
                for (String norm : new String[] {"input_layernorm", "post_attention_layernorm"}) {
                    norms.put(p + norm, array(m, checkpoint.require(p + norm + ".weight", "hidden_size", h)));
                }
                long[][] attention = {{q, h}, {kv, h}, {kv, h}, {h, q}};
                for (int i = 0; i < ATTENTION.length; i++) {
                    String path = p + "self_attn." + ATTENTION[i];
                    base.put(path, linear(m, checkpoint, path, attention[i], c.attentionBias(), shapes));
                }
                long[][] mlp = {{inner, h}, {inner, h}, {h, inner}};
                for (int i = 0; i < MLP.length; i++) {
                    String path = p + "mlp." + MLP[i];
                    base.put(path, linear(m, checkpoint, path, mlp[i], c.mlpBias(), shapes));
                }
            }
            norms.put("model.norm", array(m, checkpoint.require("model.norm.weight", "hidden_size", h)));
            FrozenLinear head;
            if (c.tieWordEmbeddings()) {
                head = new FrozenLinear(embed, null);
            } else if (checkpoint.has("lm_head.weight")) {
                head = new FrozenLinear(
                        array(m, checkpoint.require("lm_head.weight", "vocab_size x hidden_size", c.vocabSize(), h)),
                        null);
            } else {
                throw new InvalidModelException(
                        folder.resolve("config.json"),
                        "tie_word_embeddings",
                        "is false (or absent) but the checkpoint has no lm_head.weight; set"
                                + " tie_word_embeddings to true if the output projection is the token embedding");
            }
            NDArray eps = OwnedArrays.scalar(m, c.rmsNormEps());
            Map<String, FrozenLinear> frozen = Collections.unmodifiableMap(base);
            return new LlamaModel(
                    c,
                    folder,
                    m,
                    true,
                    Collections.unmodifiableMap(norms),
                    embed,
                    head,
                    frozen,
                    Collections.unmodifiableMap(new LinkedHashMap<>(frozen)),
                    eps);
        } catch (InvalidModelException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static FrozenLinear linear(
            NDManager m, ModelCheckpoint checkpoint, String path, long[] shape, boolean bias, String why)
            throws InvalidModelException {
        NDArray w = array(m, checkpoint.require(path + ".weight", why, shape));
        NDArray b = bias ? array(m, checkpoint.require(path + ".bias", why, shape[0])) : null;
        return new FrozenLinear(w, b);
    }

    private static NDArray array(NDManager m, HostTensor t) {
        return OwnedArrays.of(m, t.data(), new Shape(t.shape()));
    }

    public LlamaConfig config() {
        return config;
    }

    /** The folder the model was loaded from. */
    public Path folder() {
        return folder;
    }

    /** The decoder layers' pretrained projections by Hugging Face module path; LoRA wraps these. */
    public Map<String, FrozenLinear> baseLinears() {
        return base;
    }

    /** The projections this view calls (the base ones unless replaced). */
    public Map<String, Linear> linears() {
        return linears;
    }

    /** The output projection, [vocab, hidden] (the token embedding when tied). */
    public FrozenLinear lmHead() {
        return lmHead;
    }

    /**
     * A view that calls {@code replacements} instead of the projections with the same module path.
     * Shares every weight; closing the view frees nothing. An empty map gives the base model back.
     *
     * @throws IllegalArgumentException for a path that is not a projection of this model, or a
     *     replacement whose in/out features differ
     */
    public LlamaModel withLinears(Map<String, ? extends Linear> replacements) {
        Map<String, Linear> next = new LinkedHashMap<>(base);
        for (Map.Entry<String, ? extends Linear> e : replacements.entrySet()) {
            FrozenLinear old = base.get(e.getKey());
            if (old == null) {
                throw new IllegalArgumentException("no projection named " + e.getKey() + " in this model; projections"
                        + " are named like model.layers.0.self_attn.q_proj (layers 0.." + (config.numLayers() - 1)
                        + ")");
            }
            Linear l = Objects.requireNonNull(e.getValue(), "replacement for " + e.getKey());
            if (l.inFeatures() != old.inFeatures() || l.outFeatures() != old.outFeatures()) {
                throw new IllegalArgumentException("replacement for " + e.getKey() + " maps " + l.inFeatures() + " -> "
                        + l.outFeatures() + ", the model needs " + old.inFeatures() + " -> " + old.outFeatures());
            }
            next.put(e.getKey(), l);
        }
        return new LlamaModel(
                config,
                folder,
                manager,
                false,
                norms,
                embedTokens,
                lmHead,
                base,
                Collections.unmodifiableMap(next),
                eps);
    }

    /**
     * Next-token logits, [size, length, vocab]: position t's logits predict the id at t + 1.
     *
     * @param m every intermediate array is attached to it; when {@code training}, keep it open
     *     until after backward
     * @param training {@code true}: gradients flow to projection parameters that require them;
     *     {@code false}: no autograd graph is recorded and each layer's intermediates are freed
     */
    public NDArray logits(NDManager m, TokenBatch batch, boolean training) {
        return forward(m, batch, null, training);
    }

    /**
     * {@link #logits} for the ids that follow what {@code cache} holds (positions from
     * {@code cache.length()}), adding their keys and values to it; no cache is position 0.
     */
    NDArray forward(NDManager m, TokenBatch batch, KvCache cache, boolean training) {
        int offset = cache == null ? 0 : cache.length();
        if (offset + batch.length() > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length " + (offset + batch.length()) + " exceeds the model's "
                    + config.maxPositions() + " positions (max_position_embeddings)");
        }
        for (long id : batch.ids()) {
            if (id >= config.vocabSize()) {
                throw new IllegalArgumentException(
                        "token id " + id + " is outside the vocabulary (vocab_size " + config.vocabSize() + ")");
            }
        }
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(training && previous);
        try {
            int b = batch.size();
            int t = batch.length();
            NDArray ids = OwnedArrays.of(m, batch.ids(), new Shape(b, t));
            NDArrayEx ex = ids.getNDArrayInternal();
            NDArray x = ex.embedding(ids, embedTokens, SparseFormat.DENSE).singletonOrThrow();
            Attention attention = new Attention(m, offset, t);
            for (int l = 0; l < config.numLayers(); l++) {
                if (training) {
                    x = layer(l, x, attention, b, t, cache);
                } else {
                    try (NDManager scope = m.newSubManager()) {
                        x.attach(scope);
                        x = layer(l, x, attention, b, t, cache);
                        x.attach(m);
                    }
                }
            }
            if (cache != null) {
                cache.advance(t);
            }
            return lmHead.forward(rmsNorm(x, "model.norm"));
        } finally {
            JniUtils.setGradMode(previous);
        }
    }

    /** What every layer's attention shares in one forward pass: rotary tables, causal mask, scale. */
    private final class Attention {
        final NDArray cos;
        final NDArray sin;
        final NDArray causal;
        final NDArray scale;

        /** For {@code t} new positions after {@code offset} cached ones. */
        Attention(NDManager m, int offset, int t) {
            int d = config.headDim();
            int total = offset + t;
            this.cos = OwnedArrays.of(m, rotary.cos(offset, t), new Shape(t, d));
            this.sin = OwnedArrays.of(m, rotary.sin(offset, t), new Shape(t, d));
            float[] mask = new float[t * total];
            for (int i = 0; i < t; i++) {
                for (int j = offset + i + 1; j < total; j++) {
                    mask[i * total + j] = Float.NEGATIVE_INFINITY;
                }
            }
            this.causal = OwnedArrays.of(m, mask, new Shape(t, total));
            this.scale = OwnedArrays.scalar(m, 1.0 / Math.sqrt(d));
        }
    }

    private NDArray layer(int l, NDArray x, Attention a, int b, int t, KvCache cache) {
        String p = "model.layers." + l + ".";
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int d = config.headDim();
        NDArray h = rmsNorm(x, p + "input_layernorm");
        NDArray q = rope(heads(linears.get(p + "self_attn.q_proj").forward(h), b, t, heads, d), a);
        NDArray k = rope(heads(linears.get(p + "self_attn.k_proj").forward(h), b, t, kvHeads, d), a);
        NDArray v = heads(linears.get(p + "self_attn.v_proj").forward(h), b, t, kvHeads, d);
        if (cache != null) {
            k = cache.appendKeys(l, k, x.getManager());
            v = cache.appendValues(l, v, x.getManager());
        }
        long total = k.getShape().get(2);
        k = repeatKv(k, b, total);
        v = repeatKv(v, b, total);
        NDArray probs =
                q.matMul(k.transpose(0, 1, 3, 2)).mul(a.scale).add(a.causal).softmax(-1);
        NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * d);
        x = x.add(linears.get(p + "self_attn.o_proj").forward(context));
        h = rmsNorm(x, p + "post_attention_layernorm");
        NDArray gate = linears.get(p + "mlp.gate_proj").forward(h);
        NDArray up = linears.get(p + "mlp.up_proj").forward(h);
        NDArray swiglu = gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up);
        return x.add(linears.get(p + "mlp.down_proj").forward(swiglu));
    }

    private static NDArray heads(NDArray x, int b, int t, int heads, int d) {
        return x.reshape(b, t, heads, d).transpose(0, 2, 1, 3);
    }

    /** Hugging Face's form: x·cos + rotate_half(x)·sin, rotate_half(x) = [−x₂, x₁]. */
    private static NDArray rope(NDArray x, Attention a) {
        NDList halves = x.split(2, 3);
        NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), 3);
        return x.mul(a.cos).add(rotated.mul(a.sin));
    }

    /** Each key/value head serves {@code queriesPerKvHead} consecutive query heads (HF's repeat_kv). */
    private NDArray repeatKv(NDArray x, int b, long t) {
        int rep = config.queriesPerKvHead();
        if (rep == 1) {
            return x;
        }
        int kvHeads = config.numKvHeads();
        int d = config.headDim();
        return x.expandDims(2).broadcast(new Shape(b, kvHeads, rep, t, d)).reshape(b, (long) kvHeads * rep, t, d);
    }

    /** x / √(mean(x²) + ε) · w, in float32 as Hugging Face's LlamaRMSNorm. */
    private NDArray rmsNorm(NDArray x, String name) {
        NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt();
        return x.div(rms).mul(norms.get(name));
    }

    /** Module paths of the projections of every decoder layer, in layer order. */
    public List<String> linearNames() {
        return List.copyOf(base.keySet());
    }

    /** Frees the weights if this is the loaded model; a view frees nothing. */
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
        return "LlamaModel[" + folder + ", " + config.numLayers() + " layers, hidden " + config.hiddenSize() + ", "
                + config.numHeads() + "/" + config.numKvHeads() + " heads, " + replaced + " replaced projections]";
    }
}
