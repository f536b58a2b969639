package dev.engram.retriever;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.engram.adapters.FrozenLinear;
import dev.engram.adapters.Linear;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The differentiable forward pass and the replacement of projections (how LoRA attaches). */
class TrainingPathTest {

    private static final String Q0 = "encoder.layer.0.attention.self.query";
    private static TextEncoder encoder;
    private static NDManager manager;

    @BeforeAll
    static void load() {
        encoder = TextEncoder.load(
                EncoderConfig.custom().maxLength(64).device("cpu").build());
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void close() {
        manager.close();
        encoder.close();
    }

    /** A trainable copy of a base projection, standing in for a LoRA layer. */
    private static FrozenLinear trainableCopy(NDManager m, String name) {
        FrozenLinear base = encoder.baseEncoder().baseLinears().get(name);
        NDArray w = base.weight().duplicate();
        w.attach(m);
        w.setRequiresGradient(true);
        return new FrozenLinear(w, base.bias());
    }

    private static float[] gradient(boolean gcBeforeBackward) {
        TokenBatch batch = encoder.tokenizeDocuments(CranfieldAbstracts.first(4));
        try (NDManager step = manager.newSubManager()) {
            FrozenLinear q0 = trainableCopy(step, Q0);
            BertEncoder tuned = encoder.baseEncoder().withLinears(Map.of(Q0, q0));
            NDArray weights = step.arange(384f).reshape(1, 384);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray pooled = tuned.embed(step, batch, true);
                NDArray loss = pooled.mul(weights).sum();
                if (gcBeforeBackward) {
                    System.gc();
                }
                collector.backward(loss);
                return q0.weight().getGradient().toFloatArray();
            }
        }
    }

    @Test
    void trainingForwardMatchesInferenceAndOnlyItRecordsGradients() {
        TokenBatch batch = encoder.tokenizeDocuments(CranfieldAbstracts.first(3));
        try (NDManager step = manager.newSubManager()) {
            BertEncoder tuned = encoder.baseEncoder().withLinears(Map.of(Q0, trainableCopy(step, Q0)));
            float[] inference = tuned.embed(step, batch, false).toFloatArray();
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray trained = tuned.embed(step, batch, true);
                NDArray untracked = tuned.embed(step, batch, false);
                assertThat(TextEncoderParityTest.maxAbsDiff(inference, trained.toFloatArray()))
                        .isLessThan(1e-5f);
                // inference records no autograd graph, even inside a collector
                assertThatThrownBy(() -> collector.backward(untracked.sum()))
                        .isInstanceOf(EngineException.class)
                        .hasMessageContaining("does not require grad");
                collector.backward(trained.sum());
            }
            float[] base = encoder.baseEncoder().embed(step, batch, false).toFloatArray();
            assertThat(TextEncoderParityTest.maxAbsDiff(inference, base)).isLessThan(1e-5f);
        }
    }

    @Test
    void gradientsReachReplacedProjectionsAndSurviveAForcedGc() {
        float[] plain = gradient(false);
        float[] afterGc = gradient(true);
        double norm = TextEncoderParityTest.norm(plain);
        assertThat(norm).isGreaterThan(0).isFinite();
        assertThat(afterGc).containsExactly(plain);
    }

    @Test
    void aQuerySideAdapterChangesQueriesButNotDocuments() {
        FrozenLinear base = encoder.baseEncoder().baseLinears().get(Q0);
        NDArray halved = base.weight().mul(manager.create(0.5f));
        halved.attach(manager);
        Map<String, Linear> adapter = Map.of(Q0, new FrozenLinear(halved, base.bias()));
        String text = "pressure distribution on a slender cone at angle of attack";

        TextEncoder querySide = encoder.withQueryAdapter("test-v1", adapter);
        TextEncoder symmetric = encoder.withAdapter("test-v1", adapter);
        float[] baseQuery = encoder.embedQuery(text);
        float[] baseDoc = encoder.embedDocuments(List.of(text)).get(0);

        assertThat(querySide.modelId()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2+test-v1@query");
        assertThat(symmetric.modelId()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2+test-v1");
        assertThat(TextEncoderParityTest.cosine(querySide.embedQuery(text), baseQuery))
                .isLessThan(0.9999);
        assertThat(querySide.embedDocuments(List.of(text)).get(0)).containsExactly(baseDoc);
        assertThat(TextEncoderParityTest.cosine(
                        symmetric.embedDocuments(List.of(text)).get(0), baseDoc))
                .isLessThan(0.9999);
        assertThat(encoder.baseEncoder().linears().get(Q0)).isSameAs(base);
    }

    @Test
    void queriesEmbedInPaddedBatchesAsEachAloneOnTheBaseAndAnAdapterTower() {
        // texts of several lengths, so the batch pads all but its longest
        List<String> texts = new ArrayList<>();
        List<String> abstracts = CranfieldAbstracts.first(12);
        for (int i = 0; i < abstracts.size(); i++) {
            String[] words = abstracts.get(i).split(" ");
            texts.add(String.join(" ", Arrays.copyOf(words, Math.min(words.length, 2 + 4 * i))));
        }
        FrozenLinear base = encoder.baseEncoder().baseLinears().get(Q0);
        NDArray halved = base.weight().mul(manager.create(0.5f));
        halved.attach(manager);
        TextEncoder adapter = encoder.withQueryAdapter("test-v1", Map.of(Q0, new FrozenLinear(halved, base.bias())));

        List<float[]> baseBatch = encoder.embedQueries(texts);
        List<float[]> adapterBatch = adapter.embedQueries(texts);
        double lowest = 1;
        double adapterToBase = 1;
        for (int i = 0; i < texts.size(); i++) {
            lowest = Math.min(lowest, TextEncoderParityTest.cosine(baseBatch.get(i), encoder.embedQuery(texts.get(i))));
            lowest = Math.min(
                    lowest, TextEncoderParityTest.cosine(adapterBatch.get(i), adapter.embedQuery(texts.get(i))));
            adapterToBase =
                    Math.min(adapterToBase, TextEncoderParityTest.cosine(adapterBatch.get(i), baseBatch.get(i)));
        }
        assertThat(lowest)
                .as("lowest cosine of a batched query to the same query alone")
                .isGreaterThanOrEqualTo(0.9999);
        // the adapter's batch goes through the adapter's weights, not the base's
        assertThat(adapterToBase).isLessThan(0.9999);
    }

    @Test
    void replacementsMustNameAProjectionOfTheRightShape() {
        FrozenLinear intermediate = encoder.baseEncoder().baseLinears().get("encoder.layer.0.intermediate.dense");
        assertThatThrownBy(() ->
                        encoder.baseEncoder().withLinears(Map.of("encoder.layer.9.attention.self.query", intermediate)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer.9");
        assertThatThrownBy(() -> encoder.baseEncoder().withLinears(Map.of(Q0, intermediate)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("384 -> 1536");
    }

    @Test
    void aQueryPrefixIsAppliedToQueriesOnly() {
        try (TextEncoder prefixed = TextEncoder.load(EncoderConfig.custom()
                .maxLength(64)
                .device("cpu")
                .queryPrefix("query: ")
                .build())) {
            String text = "shock wave boundary layer interaction";
            assertThat(prefixed.embedQuery(text)).containsExactly(encoder.embedQuery("query: " + text));
            assertThat(prefixed.embedDocuments(List.of(text)).get(0)).containsExactly(encoder.embedQuery(text));
        }
    }
}
