package dev.engram.node.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.memory.Embedder;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.retriever.tuning.TuningMode;
import dev.engram.streams.AdapterFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The canary on real MiniLM adapters: a fresh adapter passes; weights that overflow, a query tower
 * that maps every probe to one vector, and one that is no longer its parent are each refused with
 * the reason; drift is measured against the parent, not the base, and finely enough to pass a
 * tower moved as tuning moves one while refusing one moved twice as far.
 */
class AdapterCanaryTest {

    private static final String LAST_VALUE = "encoder.layer.5.attention.self.value";

    @TempDir
    static Path tmp;

    private static TextEncoder encoder;
    private static List<AdapterFile> files;
    private static float[][] base;
    private static int dirs;
    private final AdapterCanary canary = AdapterCanary.defaults();

    @BeforeAll
    static void load() throws IOException {
        encoder = TextEncoder.load();
        files = TestAdapters.files(encoder, tmp.resolve("fresh"), 3);
        base = AdapterCanary.defaults().vectors(encoder);
    }

    @AfterAll
    static void close() {
        if (encoder != null) {
            encoder.close();
        }
    }

    @Test
    void aFreshAdapterPasses() throws IOException {
        assertThat(check(files, base)).isEmpty();
    }

    @Test
    void hugeFiniteWeightsAreRefusedAsNonFinite() throws IOException {
        assertThat(check(TestAdapters.withHugeWeights(files), base))
                .hasValueSatisfying(
                        why -> assertThat(why).startsWith("canary: the probe").contains("non-finite"));
    }

    @Test
    void aQueryTowerThatMapsEveryProbeToOneVectorIsRefusedAsCollapsed() throws IOException {
        // The last layer's values all along one direction, whatever the token: every output looks alike.
        List<double[]> inputs = new ArrayList<>();
        for (String probe : AdapterCanary.PROBES) {
            inputs.addAll(RecallBreakingAdapter.inputs(encoder, LAST_VALUE, probe));
        }
        double[] mean = new double[inputs.get(0).length];
        inputs.forEach(h -> {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += h[i] / inputs.size();
            }
        });
        double norm2 = 0;
        for (double x : mean) {
            norm2 += x * x;
        }
        float[] a = new float[mean.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (mean[i] / norm2);
        }
        List<AdapterFile> collapsing = lora(name -> name.contains(LAST_VALUE + "."), (name, shape) -> {
            float[] values = new float[shape[0] * shape[1]];
            if (name.contains("lora_A")) {
                System.arraycopy(a, 0, values, 0, a.length); // row 0
            } else {
                for (int d = 0; d < shape[0]; d++) {
                    values[d * shape[1]] = d % 2 == 0 ? 1e4f : -5e3f; // column 0
                }
            }
            return values;
        });
        assertThat(check(collapsing, base))
                .hasValueSatisfying(
                        why -> assertThat(why).startsWith("canary: the probes collapse to nearly one vector"));
    }

    @Test
    void aQueryTowerFarFromItsParentIsRefusedAsDriftedButNotWhenItIsTheParent() throws IOException {
        List<AdapterFile> drifted = randomValueUpdate(0.5);
        assertThat(check(drifted, base))
                .hasValueSatisfying(why -> assertThat(why).startsWith("canary: drifted far from its parent"));
        try (TenantAdapter parent = load(drifted)) {
            assertThat(check(drifted, canary.vectors(parent.embedder(encoder))))
                    .as("measured against the parent")
                    .isEmpty();
        }
    }

    @Test
    void aTowerMovedAsTuningMovesOnePassesAndOneTwiceAsFarIsRefused() throws IOException {
        // The probes must tell these apart: mean cosine to the base about 0.8 at 0.1, about 0.37 at 0.2.
        assertThat(check(randomValueUpdate(0.1), base)).isEmpty();
        assertThat(check(randomValueUpdate(0.2), base))
                .hasValueSatisfying(why -> assertThat(why).startsWith("canary: drifted far from its parent"));
    }

    @Test
    void theProbesAreOneLengthSoTheirBatchIsNotPadded() {
        assertThat(ProbeBatches.of(encoder).unpaddedPasses()).isEqualTo(1);
    }

    @Test
    void probesBatchedPaddedOrByLengthEmbedAsEachAlone() throws IOException {
        // The canary's probes need no padding; texts of several lengths show that padding changes nothing.
        List<String> texts = new ArrayList<>(AdapterCanary.PROBES);
        texts.addAll(List.of(
                "kubernetes pod stuck in crashloopbackoff",
                "why is the sky blue",
                "the delivery driver left the box in the rain",
                "compare two mortgage offers"));
        ProbeBatches batches = ProbeBatches.of(encoder, texts);
        assertThat(batches.unpaddedPasses()).isGreaterThan(1).isLessThan(texts.size() / 2);
        try (TenantAdapter loaded = load(files)) {
            Embedder queries = loaded.embedder(encoder);
            float[][] padded = batches.embed(queries);
            float[][] unpadded = batches.unpadded(queries);
            for (int i = 0; i < padded.length; i++) {
                float[] alone = queries.embedQuery(texts.get(i));
                assertThat(cosine(padded[i], alone))
                        .as("padded: " + texts.get(i))
                        .isGreaterThan(0.99999);
                assertThat(cosine(unpadded[i], alone))
                        .as("unpadded: " + texts.get(i))
                        .isGreaterThan(0.99999);
            }
        }
    }

    /** The canary's verdict, asserted to be the same whether the probes are embedded alone or batched (as the registry does). */
    private Optional<String> check(List<AdapterFile> adapter, float[][] parent) throws IOException {
        try (TenantAdapter loaded = load(adapter)) {
            Embedder queries = loaded.embedder(encoder);
            Optional<String> alone = canary.check(queries, parent);
            assertThat(canary.check(ProbeBatches.of(encoder).embed(queries), parent))
                    .as("batched probes")
                    .isEqualTo(alone);
            return alone;
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** The fresh files with seeded random LoRA updates of every value projection, B drawn at {@code scale}. */
    private static List<AdapterFile> randomValueUpdate(double scale) throws IOException {
        Random random = new Random(1);
        return lora(name -> name.contains(".value."), (name, shape) -> {
            float[] values = new float[shape[0] * shape[1]];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * (name.contains("lora_A") ? 0.05 : scale));
            }
            return values;
        });
    }

    private static TenantAdapter load(List<AdapterFile> adapter) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("v" + dirs++));
        for (AdapterFile f : adapter) {
            Files.write(dir.resolve(f.name()), f.bytes());
        }
        return TenantAdapter.load(dir, "canary", TuningMode.QUERY_SIDE, "", 1, encoder);
    }

    private interface Values {
        float[] of(String tensor, int[] shape);
    }

    /** The fresh files with every LoRA tensor zeroed except those {@code mine} picks, which get {@code values}. */
    private static List<AdapterFile> lora(Predicate<String> mine, Values values) throws IOException {
        return TestAdapters.rewrite(files, (header, data, dataStart) -> {
            ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            Iterator<String> names = header.fieldNames();
            while (names.hasNext()) {
                String n = names.next();
                JsonNode t = header.get(n);
                if (!(n.contains("lora_A") || n.contains("lora_B"))) {
                    continue;
                }
                int from = (int) t.get("data_offsets").get(0).asLong();
                int[] shape = {
                    t.get("shape").get(0).asInt(), t.get("shape").get(1).asInt()
                };
                float[] v = mine.test(n) ? values.of(n, shape) : new float[shape[0] * shape[1]];
                for (int i = 0; i < v.length; i++) {
                    b.putFloat(dataStart + from + 4 * i, v[i]);
                }
            }
        });
    }
}
