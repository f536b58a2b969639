package dev.engram.retriever;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.engram.adapters.Linear;
import dev.engram.memory.Embedder;
import dev.engram.retriever.internal.OnnxRuntimeTower;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Engram's text encoder: a {@link BertEncoder} with its tokenizer, serving the case store as an
 * {@link Embedder}. Vectors are L2-normalised; many texts are embedded in length-sorted batches
 * padded only to the longest text of each batch, with no gradient tracking.
 *
 * <pre>{@code
 * try (TextEncoder encoder = TextEncoder.load(EncoderConfig.defaults())) {
 *     List<float[]> docs = encoder.embedDocuments(List.of("flutter of a heated wing", "..."));
 *     // a LoRA adapter trained on query/value, used for queries only (document vectors stay valid)
 *     Map<String, Linear> lora = loraModel.wrap(encoder.baseEncoder().baseLinears());
 *     TextEncoder tuned = encoder.withQueryAdapter("cranfield-v3", lora);
 *     float[] q = tuned.embedQuery("what is flutter?");
 * }
 * }</pre>
 *
 * <p>Every pass through the base model without an adapter (documents; queries while no adapter
 * serves) runs on ONNX Runtime from the same ONNX file when {@link EncoderConfig#onnxRuntimeBase()}
 * is set (the default) and the device is the CPU; passes through an adapter, and training, run on
 * PyTorch. The two agree to a cosine of at least 0.9999 ({@code TextEncoderParityTest}).
 *
 * <p>Thread-safe. Views made by {@link #withQueryAdapter} and {@link #withAdapter} share the
 * tokenizer and the weights of the encoder they came from: close only that one.
 */
public final class TextEncoder implements Embedder, AutoCloseable {

    private final EncoderConfig config;
    private final HuggingFaceTokenizer tokenizer;
    private final NDManager manager;
    private final BertEncoder base;
    private final BertEncoder queryEncoder;
    private final BertEncoder documentEncoder;
    private final String modelId;
    private final boolean owner;
    /** The base model on ONNX Runtime, for every pass through the base; null: PyTorch serves it. */
    private final OnnxRuntimeTower frozenBase;

    private TextEncoder(
            EncoderConfig config,
            HuggingFaceTokenizer tokenizer,
            NDManager manager,
            BertEncoder base,
            BertEncoder queryEncoder,
            BertEncoder documentEncoder,
            String modelId,
            boolean owner,
            OnnxRuntimeTower frozenBase) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.manager = manager;
        this.base = base;
        this.queryEncoder = queryEncoder;
        this.documentEncoder = documentEncoder;
        this.modelId = modelId;
        this.owner = owner;
        this.frozenBase = frozenBase;
    }

    /** Loads MiniLM with the default settings. */
    public static TextEncoder load() {
        return load(EncoderConfig.defaults());
    }

    /**
     * Loads the configured model and tokenizer from the classpath.
     *
     * @throws IllegalStateException when the model's artifact is not on the classpath
     */
    public static TextEncoder load(EncoderConfig config) {
        applyThreadSettings(config);
        Engine engine = Engine.getEngine("PyTorch");
        if (config.intraOpThreads() > 0) {
            JniUtils.setNumThreads(config.intraOpThreads());
        }
        Device device = switch (config.device()) {
            case "gpu" -> Device.gpu();
            case "auto" -> engine.getGpuCount() > 0 ? Device.gpu() : Device.cpu();
            default -> Device.cpu();
        };
        EncoderModel model = config.model();
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        OnnxRuntimeTower frozen = null;
        try {
            BertEncoder base;
            try (InputStream onnx = resource(model.onnxResource(), model)) {
                byte[] bytes = onnx.readAllBytes();
                base = BertEncoder.fromOnnx(
                        new ByteArrayInputStream(bytes), model.onnxResource(), model.pooling(), manager);
                if (config.onnxRuntimeBase() && Device.Type.CPU.equals(device.getDeviceType())) {
                    frozen = OnnxRuntimeTower.load(bytes, model.pooling(), threads(config));
                }
            }
            if (config.maxLength() > base.config().maxPositions()) {
                throw new IllegalArgumentException("maxLength " + config.maxLength() + " exceeds the "
                        + base.config().maxPositions() + " positions of " + model.id());
            }
            HuggingFaceTokenizer tokenizer;
            try (InputStream json = resource(model.tokenizerResource(), model)) {
                // The shipped tokenizer.json truncates and pads at 128; Engram pads per batch itself.
                tokenizer = HuggingFaceTokenizer.newInstance(
                        json,
                        Map.of(
                                "truncation", "true",
                                "maxLength", Integer.toString(config.maxLength()),
                                "padding", "false"));
            }
            return new TextEncoder(config, tokenizer, manager, base, base, base, model.id(), true, frozen);
        } catch (IOException e) {
            closeQuietly(frozen);
            manager.close();
            throw new UncheckedIOException("could not read " + model.id() + " from the classpath", e);
        } catch (RuntimeException e) {
            closeQuietly(frozen);
            manager.close();
            throw e;
        }
    }

    /** ONNX Runtime's threads inside an op: as libtorch's (the config, else the engine's property). */
    private static int threads(EncoderConfig config) {
        if (config.intraOpThreads() > 0) {
            return config.intraOpThreads();
        }
        return Integer.getInteger("ai.djl.pytorch.num_threads", 0);
    }

    private static void closeQuietly(OnnxRuntimeTower tower) {
        if (tower != null) {
            tower.close();
        }
    }

    private static void applyThreadSettings(EncoderConfig config) {
        if (config.interOpThreads() > 0 && System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(config.interOpThreads()));
        }
        if (config.intraOpThreads() > 0 && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(config.intraOpThreads()));
        }
    }

    private static InputStream resource(String name, EncoderModel model) {
        InputStream in = TextEncoder.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("classpath resource " + name + " of " + model.id()
                    + " not found: add its model artifact (e.g. dev.langchain4j:langchain4j-embeddings-"
                    + "all-minilm-l6-v2, transitive dependencies excluded) to the classpath");
        }
        return in;
    }

    /**
     * A view whose queries go through {@code linears} (replacing the base projections with the same
     * HF module path) while documents stay on the base model, so vectors already indexed stay valid.
     */
    public TextEncoder withQueryAdapter(String adapterId, Map<String, ? extends Linear> linears) {
        requireAdapterId(adapterId);
        return new TextEncoder(
                config,
                tokenizer,
                manager,
                base,
                base.withLinears(linears),
                base,
                config.model().id() + "+" + adapterId + "@query",
                false,
                frozenBase);
    }

    /** A view whose queries and documents both go through {@code linears} (symmetric tuning). */
    public TextEncoder withAdapter(String adapterId, Map<String, ? extends Linear> linears) {
        requireAdapterId(adapterId);
        BertEncoder tuned = base.withLinears(linears);
        return new TextEncoder(
                config,
                tokenizer,
                manager,
                base,
                tuned,
                tuned,
                config.model().id() + "+" + adapterId,
                false,
                frozenBase);
    }

    /** A view on the base model alone (no adapter). */
    public TextEncoder withoutAdapter() {
        return new TextEncoder(
                config, tokenizer, manager, base, base, base, config.model().id(), false, frozenBase);
    }

    private static void requireAdapterId(String adapterId) {
        if (adapterId == null || adapterId.isBlank()) {
            throw new IllegalArgumentException("adapterId must not be blank");
        }
    }

    /** The settings this encoder was loaded with. */
    public EncoderConfig config() {
        return config;
    }

    /** The pretrained model; LoRA wraps {@code baseEncoder().baseLinears()}. */
    public BertEncoder baseEncoder() {
        return base;
    }

    /** The model queries go through (base, or base with an adapter). */
    public BertEncoder queryEncoder() {
        return queryEncoder;
    }

    /** The model documents go through (base, or base with an adapter in symmetric mode). */
    public BertEncoder documentEncoder() {
        return documentEncoder;
    }

    /** The model id, then {@code +adapterId} and {@code @query} for a query-side adapter. */
    @Override
    public String modelId() {
        return modelId;
    }

    /**
     * The document side's model (with its adapter when symmetric) and what else shapes a document
     * vector: the maximum length and the document prefix, e.g.
     * {@code sentence-transformers/all-MiniLM-L6-v2;maxLength=256}. A query-side adapter leaves it
     * unchanged: document vectors stay valid under it.
     */
    @Override
    public String documentVectorId() {
        String model = documentEncoder == base ? config.model().id() : modelId;
        return model + ";maxLength=" + config.maxLength()
                + (config.documentPrefix().isEmpty() ? "" : ";documentPrefix=" + config.documentPrefix());
    }

    @Override
    public int dimension() {
        return base.config().hiddenSize();
    }

    @Override
    public float[] embedQuery(String text) {
        Objects.requireNonNull(text, "text");
        return embed(queryEncoder, List.of(config.queryPrefix() + text)).get(0);
    }

    /**
     * Embeds several queries (query prefix and query-side adapter applied), in order: in
     * length-sorted batches padded only to the longest text of each, as documents are.
     */
    @Override
    public List<float[]> embedQueries(List<String> texts) {
        return embed(queryEncoder, prefixed(config.queryPrefix(), texts));
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return embed(documentEncoder, prefixed(config.documentPrefix(), texts));
    }

    /** Tokenizes queries (with the query prefix) into one batch padded to its longest text, for training. */
    public TokenBatch tokenizeQueries(List<String> texts) {
        return batch(
                encode(prefixed(config.queryPrefix(), texts)),
                IntStream.range(0, texts.size()).toArray());
    }

    /** Tokenizes documents (with the document prefix) into one batch padded to its longest text. */
    public TokenBatch tokenizeDocuments(List<String> texts) {
        return batch(
                encode(prefixed(config.documentPrefix(), texts)),
                IntStream.range(0, texts.size()).toArray());
    }

    private List<float[]> embed(BertEncoder encoder, List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        long[][] ids = encode(texts);
        Integer[] order = new Integer[texts.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> ids[i].length).reversed());
        float[][] out = new float[texts.size()][];
        int width = dimension();
        for (int from = 0; from < order.length; from += config.batchSize()) {
            int[] rows = new int[Math.min(config.batchSize(), order.length - from)];
            for (int r = 0; r < rows.length; r++) {
                rows[r] = order[from + r];
            }
            float[] flat;
            if (encoder == base && frozenBase != null) {
                flat = frozenBase.embed(batch(ids, rows));
            } else {
                try (NDManager step = manager.newSubManager()) {
                    NDArray pooled = encoder.embed(step, batch(ids, rows), false);
                    flat = pooled.toFloatArray();
                }
            }
            for (int r = 0; r < rows.length; r++) {
                out[rows[r]] = normalised(flat, r * width, width);
            }
        }
        return Arrays.asList(out);
    }

    private long[][] encode(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        long[][] ids = new long[encodings.length][];
        for (int i = 0; i < encodings.length; i++) {
            ids[i] = encodings[i].getIds();
        }
        return ids;
    }

    /** Packs the given rows of {@code ids} into one batch padded to the longest of them. */
    private static TokenBatch batch(long[][] ids, int[] rows) {
        int length = 1;
        for (int row : rows) {
            length = Math.max(length, ids[row].length);
        }
        long[] inputIds = new long[rows.length * length];
        long[] mask = new long[rows.length * length];
        for (int r = 0; r < rows.length; r++) {
            long[] row = ids[rows[r]];
            System.arraycopy(row, 0, inputIds, r * length, row.length);
            Arrays.fill(mask, r * length, r * length + row.length, 1L);
        }
        return new TokenBatch(rows.length, length, inputIds, mask, new long[rows.length * length]);
    }

    private static float[] normalised(float[] flat, int offset, int width) {
        double sum = 0;
        for (int i = offset; i < offset + width; i++) {
            sum += (double) flat[i] * flat[i];
        }
        float inv = (float) (1.0 / Math.max(Math.sqrt(sum), 1e-12));
        float[] v = new float[width];
        for (int i = 0; i < width; i++) {
            v[i] = flat[offset + i] * inv;
        }
        return v;
    }

    private static List<String> prefixed(String prefix, List<String> texts) {
        List<String> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(prefix + Objects.requireNonNull(t, "texts must not contain null"));
        }
        return out;
    }

    /** Frees the weights and the tokenizer if this is the loaded encoder; a view frees nothing. */
    @Override
    public void close() {
        if (owner) {
            closeQuietly(frozenBase);
            base.close();
            tokenizer.close();
            manager.close();
        }
    }

    @Override
    public String toString() {
        return "TextEncoder[" + modelId + ", maxLength " + config.maxLength() + ", batch " + config.batchSize() + "]";
    }
}
