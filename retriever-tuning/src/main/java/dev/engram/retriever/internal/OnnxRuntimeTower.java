package dev.engram.retriever.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.engram.retriever.Pooling;
import dev.engram.retriever.TokenBatch;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The frozen base model on ONNX Runtime, from the same ONNX file the PyTorch path reads: pooled (not
 * yet normalised) text vectors of a token batch. Inference only; nothing here trains or takes an
 * adapter. Thread-safe: ONNX Runtime sessions run concurrently.
 *
 * <pre>{@code
 * try (OnnxRuntimeTower tower = OnnxRuntimeTower.load(onnxBytes, Pooling.MEAN, 2)) {
 *     float[] pooled = tower.embed(batch);   // batch.rows() x width
 * }
 * }</pre>
 */
public final class OnnxRuntimeTower implements AutoCloseable {

    private static final String INPUT_IDS = "input_ids";
    private static final String ATTENTION_MASK = "attention_mask";
    private static final String TOKEN_TYPE_IDS = "token_type_ids";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final Pooling pooling;
    private final boolean takesTokenTypes;

    private OnnxRuntimeTower(OrtEnvironment env, OrtSession session, Pooling pooling) {
        this.env = env;
        this.session = session;
        this.pooling = pooling;
        this.takesTokenTypes = session.getInputNames().contains(TOKEN_TYPE_IDS);
    }

    /**
     * Opens a session on the ONNX file's bytes with {@code threads} threads inside an op (0: ONNX
     * Runtime's default, one per core) and one between ops.
     *
     * @throws IllegalArgumentException when the model lacks the inputs a BERT export has
     */
    public static OnnxRuntimeTower load(byte[] onnx, Pooling pooling, int threads) {
        Objects.requireNonNull(onnx, "onnx");
        Objects.requireNonNull(pooling, "pooling");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(Math.max(0, threads));
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            // No arena and no memory patterns: ONNX Runtime would otherwise keep the largest batch's
            // activations allocated for the process's lifetime (about 180 MiB more at the demo's peak).
            options.setCPUArenaAllocator(false);
            options.setMemoryPatternOptimization(false);
            // Idle pool threads sleep instead of spinning: on a node's few cores a spinning thread takes
            // the core that ingest or the search after the embedding needs (as libgomp's busy-waiting did).
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            OrtSession session = env.createSession(onnx, options);
            Set<String> inputs = session.getInputNames();
            if (!inputs.contains(INPUT_IDS) || !inputs.contains(ATTENTION_MASK)) {
                session.close();
                throw new IllegalArgumentException("not a BERT export: the ONNX model's inputs are " + inputs
                        + ", expected " + INPUT_IDS + " and " + ATTENTION_MASK);
            }
            return new OnnxRuntimeTower(env, session, pooling);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not open the model: " + e.getMessage(), e);
        }
    }

    /** The pooled vectors of the batch's rows, row after row ({@code rows × width} floats). */
    public float[] embed(TokenBatch batch) {
        long[] shape = {batch.size(), batch.length()};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(batch.inputIds()), shape));
            inputs.put(ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(batch.attentionMask()), shape));
            if (takesTokenTypes) {
                inputs.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(batch.tokenTypeIds()), shape));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                OnnxTensor hidden = (OnnxTensor) result.get(0);
                long[] dims = hidden.getInfo().getShape();
                if (dims.length != 3 || dims[0] != batch.size() || dims[1] != batch.length()) {
                    throw new IllegalStateException("ONNX Runtime returned token vectors of shape "
                            + java.util.Arrays.toString(dims) + " for a batch of " + batch.size() + " x "
                            + batch.length());
                }
                return pool(hidden.getFloatBuffer(), batch, (int) dims[2]);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed to embed a batch: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private float[] pool(FloatBuffer buffer, TokenBatch batch, int width) {
        int rows = batch.size();
        int length = batch.length();
        long[] mask = batch.attentionMask();
        float[] hidden = new float[rows * length * width];
        buffer.get(hidden);
        float[] pooled = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            int out = r * width;
            if (pooling == Pooling.CLS) {
                System.arraycopy(hidden, r * length * width, pooled, out, width);
                continue;
            }
            double[] sum = new double[width];
            int tokens = 0;
            for (int t = 0; t < length; t++) {
                if (mask[r * length + t] == 0) {
                    continue;
                }
                tokens++;
                int at = (r * length + t) * width;
                for (int i = 0; i < width; i++) {
                    sum[i] += hidden[at + i];
                }
            }
            double inv = 1.0 / Math.max(tokens, 1);
            for (int i = 0; i < width; i++) {
                pooled[out + i] = (float) (sum[i] * inv);
            }
        }
        return pooled;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session failed: " + e.getMessage(), e);
        }
    }
}
