package dev.engram.retriever;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Engram's MiniLM against the reference that ships with the same artifact (langchain4j on ONNX
 * Runtime). The shipped tokenizer.json truncates at 128 tokens, so the reference sees only a
 * text's first 126 word pieces: Engram is compared at maxLength 128.
 */
class TextEncoderParityTest {

    private static TextEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = TextEncoder.load(
                EncoderConfig.custom().maxLength(128).device("cpu").build());
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void theDocumentVectorIdNamesWhatShapesADocumentVectorAndNotAQueryAdapter() {
        assertThat(encoder.documentVectorId())
                .isEqualTo(encoder.config().model().id() + ";maxLength="
                        + encoder.config().maxLength());
        // the base projections stand in for an adapter's: what matters here is which side they are on
        assertThat(encoder.withQueryAdapter("acme-v1", encoder.baseEncoder().baseLinears())
                        .documentVectorId())
                .isEqualTo(encoder.documentVectorId());
        assertThat(encoder.withAdapter("acme-v1", encoder.baseEncoder().baseLinears())
                        .documentVectorId())
                .isNotEqualTo(encoder.documentVectorId())
                .startsWith(encoder.config().model().id() + "+acme-v1;");
    }

    @Test
    void derivesMiniLmArchitectureFromTheOnnxFile() {
        BertConfig c = encoder.baseEncoder().config();
        assertThat(c).isEqualTo(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12f));
        assertThat(encoder.baseEncoder().baseLinears())
                .hasSize(36)
                .containsKeys("encoder.layer.0.attention.self.query", "encoder.layer.5.output.dense");
        assertThat(encoder.baseEncoder()
                        .baseLinears()
                        .get("encoder.layer.3.intermediate.dense")
                        .weight()
                        .getShape())
                .isEqualTo(new ai.djl.ndarray.types.Shape(1536, 384));
        assertThat(encoder.dimension()).isEqualTo(384);
        assertThat(encoder.modelId()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
    }

    @Test
    void matchesOnnxRuntimeReferenceOn200CranfieldAbstracts() {
        List<String> texts = CranfieldAbstracts.first(200);
        assertThat(texts).hasSize(200);
        AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
        List<float[]> expected = reference
                .embedAll(texts.stream().map(TextSegment::from).toList())
                .content()
                .stream()
                .map(e -> e.vector())
                .toList();
        List<float[]> actual = encoder.embedDocuments(texts);

        double min = 1;
        int worst = -1;
        for (int i = 0; i < texts.size(); i++) {
            double cos = cosine(expected.get(i), actual.get(i));
            if (cos < min) {
                min = cos;
                worst = i;
            }
        }
        System.out.printf("parity: min cosine %.7f (text %d) over %d Cranfield abstracts%n", min, worst, texts.size());
        assertThat(min).as("lowest cosine, text %d", worst).isGreaterThanOrEqualTo(0.9999);
    }

    @Test
    void theBaseOnOnnxRuntimeMatchesThePyTorchPathAndAnAdapterStillTakesThePyTorchPath() {
        List<String> texts = CranfieldAbstracts.first(60);
        EncoderConfig longer =
                EncoderConfig.custom().maxLength(256).device("cpu").build();
        assertThat(longer.onnxRuntimeBase()).as("the default").isTrue();
        try (TextEncoder onnx = TextEncoder.load(longer);
                TextEncoder torch = TextEncoder.load(
                        longer.toBuilder().onnxRuntimeBase(false).build())) {
            List<float[]> fromOnnx = onnx.embedDocuments(texts);
            List<float[]> fromTorch = torch.embedDocuments(texts);
            double min = 1;
            for (int i = 0; i < texts.size(); i++) {
                min = Math.min(min, cosine(fromOnnx.get(i), fromTorch.get(i)));
            }
            System.out.printf("ONNX Runtime vs PyTorch base: min cosine %.7f over %d abstracts%n", min, texts.size());
            assertThat(min).isGreaterThanOrEqualTo(0.9999);
            assertThat(cosine(onnx.embedQuery("flutter of a wing"), torch.embedQuery("flutter of a wing")))
                    .isGreaterThanOrEqualTo(0.9999);

            // An adapter's queries go through PyTorch with the adapter; documents stay on the base.
            java.util.Map<String, dev.engram.adapters.Linear> scaled = new java.util.HashMap<>();
            onnx.baseEncoder()
                    .baseLinears()
                    .forEach((name, linear) ->
                            scaled.put(name, name.endsWith("attention.self.query") ? tripled(linear) : linear));
            TextEncoder tuned = onnx.withQueryAdapter("scaled-v1", scaled);
            assertThat(cosine(tuned.embedQuery(texts.get(0)), onnx.embedQuery(texts.get(0))))
                    .as("the adapter changes the query vector")
                    .isLessThan(0.999);
            assertThat(maxAbsDiff(tuned.embedDocuments(texts.subList(0, 3)).get(1), fromOnnx.get(1)))
                    .isZero();
        }
    }

    @Test
    void vectorsAreUnitLengthAndInInputOrder() {
        List<String> texts = List.of("short", CranfieldAbstracts.first(3).get(1), "a medium sized text about wings");
        List<float[]> batch = encoder.embedDocuments(texts);
        assertThat(batch).hasSize(3);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(norm(batch.get(i))).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(cosine(batch.get(i), encoder.embedQuery(texts.get(i)))).isGreaterThan(0.99999);
        }
        assertThat(cosine(batch.get(0), batch.get(2))).isLessThan(0.99);
    }

    @Test
    void aTextEmbedsTheSameAloneAndInAPaddedBatch() {
        List<String> texts = CranfieldAbstracts.first(40);
        String shortest = texts.stream()
                .min(java.util.Comparator.comparingInt(String::length))
                .orElseThrow();
        float[] alone = encoder.embedDocuments(List.of(shortest)).get(0);
        TokenBatch padded = encoder.tokenizeDocuments(texts);
        int row = texts.indexOf(shortest);
        assertThat(padded.tokens(row)).isLessThan(padded.length());
        float[] inBatch = encoder.embedDocuments(texts).get(row);
        assertThat(maxAbsDiff(alone, inBatch)).isLessThan(1e-5f);
    }

    @Test
    void truncatesAtTheConfiguredMaxLength() {
        String longText = String.join(" ", CranfieldAbstracts.first(5));
        TokenBatch batch = encoder.tokenizeDocuments(List.of(longText, "lift"));
        assertThat(batch.length()).isEqualTo(128);
        assertThat(batch.tokens(1)).isEqualTo(3);
        assertThat(batch.inputIds()[0]).isEqualTo(101L);
        assertThat(batch.inputIds()[127]).isEqualTo(102L);
    }

    /** A projection three times the base one: a stand-in adapter that visibly changes the queries. */
    private static dev.engram.adapters.Linear tripled(dev.engram.adapters.Linear base) {
        return new dev.engram.adapters.Linear() {
            @Override
            public ai.djl.ndarray.NDArray forward(ai.djl.ndarray.NDArray x) {
                return base.forward(x).mul(3);
            }

            @Override
            public long inFeatures() {
                return base.inFeatures();
            }

            @Override
            public long outFeatures() {
                return base.outFeatures();
            }
        };
    }

    static double cosine(float[] a, float[] b) {
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

    static double norm(float[] a) {
        double s = 0;
        for (float v : a) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    static float maxAbsDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
