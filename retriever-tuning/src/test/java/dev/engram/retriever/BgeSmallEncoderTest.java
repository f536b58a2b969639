package dev.engram.retriever;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bge-small-en-v1.5 loaded from its ONNX artifact into Engram's BERT: 12 layers, CLS pooling, unit
 * vectors that match ONNX Runtime running the same file, and a query that ranks its passage first.
 */
class BgeSmallEncoderTest {

    private static final String INSTRUCTION = "Represent this sentence for searching relevant passages: ";

    private static TextEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = TextEncoder.load(EncoderConfig.custom()
                .model(EncoderModel.BGE_SMALL_EN_V15)
                .queryPrefix(INSTRUCTION)
                .maxLength(128)
                .device("cpu")
                .build());
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void loadsTwelveLayersWithClsPoolingAndUnitVectors() {
        assertThat(encoder.baseEncoder().config()).isEqualTo(new BertConfig(30522, 384, 12, 12, 1536, 512, 2, 1e-12f));
        assertThat(encoder.baseEncoder().pooling()).isEqualTo(Pooling.CLS);
        assertThat(encoder.modelId()).startsWith("BAAI/bge-small-en-v1.5");
        List<float[]> vectors = encoder.embedDocuments(CranfieldAbstracts.first(3));
        for (float[] v : vectors) {
            assertThat(v).hasSize(384);
            assertThat(TextEncoderParityTest.norm(v)).isCloseTo(1.0, Offset.offset(1e-5));
        }
    }

    @Test
    void matchesOnnxRuntimeOnTheSameFile(@TempDir Path dir) throws IOException {
        Path onnx = copy(EncoderModel.BGE_SMALL_EN_V15.onnxResource(), dir);
        Path tokenizer = copy(EncoderModel.BGE_SMALL_EN_V15.tokenizerResource(), dir);
        OnnxEmbeddingModel reference = new OnnxEmbeddingModel(onnx, tokenizer, PoolingMode.CLS);
        List<String> texts = CranfieldAbstracts.first(8).stream()
                .map(t -> t.length() > 400 ? t.substring(0, 400) : t)
                .toList();
        List<float[]> expected = reference
                .embedAll(texts.stream().map(TextSegment::from).toList())
                .content()
                .stream()
                .map(e -> e.vector())
                .toList();
        List<float[]> actual = encoder.embedDocuments(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(TextEncoderParityTest.cosine(expected.get(i), actual.get(i)))
                    .as("cosine with ONNX Runtime, text %d", i)
                    .isGreaterThanOrEqualTo(0.9999);
        }
    }

    @Test
    void aQueryScoresItsPassageAboveAnUnrelatedOne() {
        float[] query = encoder.embedQuery("what causes flutter of an aircraft wing?");
        List<float[]> docs = encoder.embedDocuments(List.of(
                "Wing flutter is an aeroelastic instability in which aerodynamic forces couple with the"
                        + " bending and torsion modes of the wing.",
                "The recipe calls for two cups of flour, a pinch of salt and butter."));
        double relevant = TextEncoderParityTest.cosine(query, docs.get(0));
        double unrelated = TextEncoderParityTest.cosine(query, docs.get(1));
        assertThat(relevant).isGreaterThan(unrelated + 0.1);
    }

    private static Path copy(String resource, Path dir) throws IOException {
        Path target = dir.resolve(resource);
        try (InputStream in = BgeSmallEncoderTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as("classpath resource %s", resource).isNotNull();
            Files.copy(in, target);
        }
        return target;
    }
}
