package dev.engram.agentmodel;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.engram.agentmodel.internal.RotaryTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decoder against a plain-Java Hugging Face forward, and the properties that define it. */
class LlamaModelTest {

    private static final List<String> WORDS = List.of("alpha", "beta", "gamma");
    private static NDManager manager;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    static float[] logits(LlamaModel model, TokenBatch batch) {
        return logitsWith(manager, model, batch);
    }

    static float[] logitsWith(NDManager parent, LlamaModel model, TokenBatch batch) {
        try (NDManager step = parent.newSubManager()) {
            return model.logits(step, batch, false).toFloatArray();
        }
    }

    private static long[] randomIds(int n, int vocab, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rnd.nextInt(vocab);
        }
        return ids;
    }

    private void assertMatchesReference(TinyLlama.Spec spec) throws Exception {
        Map<String, TinyLlama.Tensor> weights = TinyLlama.weights(spec);
        Path folder = TinyLlama.write(dir.resolve("m" + spec.tied()), spec, weights, WORDS, "F32");
        long[] ids = randomIds(12, spec.vocab(), 3);
        double[][] expected = new ReferenceLlama(spec, weights, 1e-5).logits(ids);
        try (LlamaModel model = LlamaModel.load(folder, manager)) {
            float[] actual = logits(model, new TokenBatch(ids, 1, ids.length));
            double maxDiff = 0;
            double maxAbs = 0;
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < spec.vocab(); v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(expected[t][v] - actual[t * spec.vocab() + v]));
                    maxAbs = Math.max(maxAbs, Math.abs(expected[t][v]));
                }
            }
            assertThat(maxAbs).as("logits are not trivially small").isGreaterThan(0.5);
            assertThat(maxDiff).as("max |logit - reference|").isLessThan(1e-4);
        }
    }

    @Test
    void logitsMatchAPlainJavaForwardWithGroupedQueryAttentionAndAnUntiedHead() throws Exception {
        assertMatchesReference(TinyLlama.Spec.gqa());
    }

    @Test
    void logitsMatchAPlainJavaForwardWithTiedEmbeddings() throws Exception {
        assertMatchesReference(TinyLlama.Spec.gqa().tied(true));
    }

    @Test
    void changingALaterTokenNeverChangesAnEarlierPositionsLogits() throws Exception {
        TinyLlama.Spec spec = TinyLlama.Spec.gqa();
        Path folder = TinyLlama.write(dir.resolve("m"), spec, WORDS);
        long[] ids = randomIds(10, spec.vocab(), 5);
        long[] changed = ids.clone();
        changed[6] = (ids[6] + 17) % spec.vocab();
        try (LlamaModel model = LlamaModel.load(folder, manager)) {
            float[] a = logits(model, new TokenBatch(ids, 1, ids.length));
            float[] b = logits(model, new TokenBatch(changed, 1, ids.length));
            int v = spec.vocab();
            for (int t = 0; t < 6; t++) {
                for (int j = 0; j < v; j++) {
                    assertThat(b[t * v + j]).as("position %d", t).isEqualTo(a[t * v + j]);
                }
            }
            double later = 0;
            for (int j = 0; j < v; j++) {
                later = Math.max(later, Math.abs(b[6 * v + j] - a[6 * v + j]));
            }
            assertThat(later).as("the changed position's own logits move").isGreaterThan(1e-3);
        }
    }

    @Test
    void groupedQueryAttentionEqualsMultiHeadAttentionWithRepeatedKeyValueHeads() throws Exception {
        TinyLlama.Spec gqa = TinyLlama.Spec.gqa();
        TinyLlama.Spec mha = gqa.withKvHeads(gqa.heads());
        Map<String, TinyLlama.Tensor> w = TinyLlama.weights(gqa);
        Map<String, TinyLlama.Tensor> repeated = new java.util.TreeMap<>(w);
        int rep = gqa.heads() / gqa.kvHeads();
        int rowsPerHead = gqa.headDim();
        for (int l = 0; l < gqa.layers(); l++) {
            for (String proj : new String[] {"k_proj", "v_proj"}) {
                String name = "model.layers." + l + ".self_attn." + proj + ".weight";
                TinyLlama.Tensor t = w.get(name);
                int in = (int) t.shape()[1];
                float[] out = new float[gqa.heads() * rowsPerHead * in];
                for (int head = 0; head < gqa.heads(); head++) {
                    System.arraycopy(
                            t.data(), (head / rep) * rowsPerHead * in, out, head * rowsPerHead * in, rowsPerHead * in);
                }
                repeated.put(name, new TinyLlama.Tensor(new long[] {gqa.heads() * rowsPerHead, in}, out));
            }
        }
        Path a = TinyLlama.write(dir.resolve("gqa"), gqa, w, WORDS, "F32");
        Path b = TinyLlama.write(dir.resolve("mha"), mha, repeated, WORDS, "F32");
        long[] ids = randomIds(9, gqa.vocab(), 11);
        try (LlamaModel grouped = LlamaModel.load(a, manager);
                LlamaModel multi = LlamaModel.load(b, manager)) {
            assertThat(grouped.config().queriesPerKvHead()).isEqualTo(2);
            assertThat(multi.config().queriesPerKvHead()).isEqualTo(1);
            float[] x = logits(grouped, new TokenBatch(ids, 1, ids.length));
            float[] y = logits(multi, new TokenBatch(ids, 1, ids.length));
            for (int i = 0; i < x.length; i++) {
                assertThat((double) x[i]).isCloseTo(y[i], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void rightPaddedRowsGiveTheLogitsTheyGiveAlone() throws Exception {
        TinyLlama.Spec spec = TinyLlama.Spec.gqa();
        Path folder = TinyLlama.write(dir.resolve("m"), spec, WORDS);
        long[] longer = randomIds(8, spec.vocab(), 1);
        long[] shorter = randomIds(5, spec.vocab(), 2);
        try (LlamaModel model = LlamaModel.load(folder, manager)) {
            float[] batched = logits(model, TokenBatch.rightPadded(List.of(longer, shorter), 0));
            float[] alone = logits(model, new TokenBatch(shorter, 1, shorter.length));
            int v = spec.vocab();
            for (int t = 0; t < shorter.length; t++) {
                for (int j = 0; j < v; j++) {
                    assertThat((double) batched[(8 + t) * v + j])
                            .isCloseTo(alone[t * v + j], org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
    }

    @Test
    void halfAndBfloat16FilesLoadToTheSameModel() throws Exception {
        TinyLlama.Spec spec = TinyLlama.Spec.gqa();
        Map<String, TinyLlama.Tensor> w = TinyLlama.weights(spec);
        long[] ids = randomIds(7, spec.vocab(), 9);
        float[] f32;
        try (LlamaModel model = LlamaModel.load(TinyLlama.write(dir.resolve("f32"), spec, w, WORDS, "F32"), manager)) {
            f32 = logits(model, new TokenBatch(ids, 1, ids.length));
        }
        for (String dtype : new String[] {"F16", "BF16"}) {
            Path folder = TinyLlama.write(dir.resolve(dtype), spec, w, WORDS, dtype);
            try (LlamaModel model = LlamaModel.load(folder, manager)) {
                assertThat(logits(model, new TokenBatch(ids, 1, ids.length)))
                        .as(dtype)
                        .containsExactly(f32);
            }
        }
    }

    @Test
    void rotaryEmbeddingsMakeAttentionScoresDependOnRelativePositionOnly() {
        LlamaConfig config = new LlamaConfig(
                "llama", 10, 16, 32, 1, 2, 1, 8, 1e-5, 10000, null, 512, false, false, false, 1, List.of(2L));
        RotaryTable table = new RotaryTable(config);
        SplittableRandom rnd = new SplittableRandom(4);
        double[] q = new double[8];
        double[] k = new double[8];
        for (int i = 0; i < 8; i++) {
            q[i] = rnd.nextDouble() - 0.5;
            k[i] = rnd.nextDouble() - 0.5;
        }
        double base = dot(rotate(table, q, 7), rotate(table, k, 3));
        for (int shift : new int[] {1, 10, 100}) {
            assertThat(dot(rotate(table, q, 7 + shift), rotate(table, k, 3 + shift)))
                    .isCloseTo(base, org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThat(Math.abs(dot(rotate(table, q, 9), rotate(table, k, 3)) - base))
                .as("a different distance scores differently")
                .isGreaterThan(1e-3);
    }

    private static double[] rotate(RotaryTable table, double[] x, int position) {
        float[] cos = table.cos(position, 1);
        float[] sin = table.sin(position, 1);
        int half = x.length / 2;
        double[] out = new double[x.length];
        for (int c = 0; c < x.length; c++) {
            double rotated = c < half ? -x[c + half] : x[c - half];
            out[c] = x[c] * cos[c] + rotated * sin[c];
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
