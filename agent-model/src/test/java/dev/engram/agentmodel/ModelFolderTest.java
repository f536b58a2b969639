package dev.engram.agentmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder that is not a supported model is refused with the file and the field it got wrong. */
class ModelFolderTest {

    private static final List<String> WORDS = List.of("rotate", "the", "logs", "gzip", "old", "files", ":");
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

    private Path folder() throws Exception {
        return TinyLlama.write(dir.resolve("model"), TinyLlama.Spec.gqa(), WORDS);
    }

    private void rewriteConfig(Path folder, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        ObjectNode c = TinyLlama.config(TinyLlama.Spec.gqa());
        edit.accept(c);
        Files.write(folder.resolve("config.json"), TinyLlama.JSON.writeValueAsBytes(c));
    }

    private static InvalidModelException refused(Path folder) {
        try {
            LlamaModel.load(folder, manager).close();
        } catch (InvalidModelException e) {
            return e;
        }
        throw new AssertionError("the folder was accepted");
    }

    @Test
    void aWellFormedFolderLoadsAndItsTokenizerAddsTheBeginningOfSequence() throws Exception {
        Path folder = folder();
        try (LlamaModel model = LlamaModel.load(folder, manager);
                AgentTokenizer tokenizer = AgentTokenizer.load(folder)) {
            assertThat(model.linearNames()).hasSize(2 * 7).contains("model.layers.1.mlp.down_proj");
            assertThat(model.config().eosTokenIds()).containsExactly(2L);
            Map<String, Integer> vocab = TinyLlama.vocabulary(WORDS);
            long[] ids = tokenizer.encode("Rotate the logs:", true);
            assertThat(ids)
                    .containsExactly(1, vocab.get("rotate"), vocab.get("the"), vocab.get("logs"), vocab.get(":"));
            assertThat(tokenizer.encode("gzip old files", false))
                    .containsExactly(vocab.get("gzip"), vocab.get("old"), vocab.get("files"));
            assertThat(tokenizer.decode(ids)).isEqualTo("rotate the logs :");
        }
    }

    @Test
    void missingConfigIsNamed() throws Exception {
        Path folder = folder();
        Files.delete(folder.resolve("config.json"));
        assertThat(refused(folder)).hasMessageContaining("config.json").hasMessageContaining("missing");
    }

    @Test
    void aMissingRequiredFieldIsNamed() throws Exception {
        Path folder = folder();
        rewriteConfig(folder, c -> c.remove("hidden_size"));
        InvalidModelException e = refused(folder);
        assertThat(e.field()).isEqualTo("hidden_size");
        assertThat(e).hasMessageContaining("config.json").hasMessageContaining("hidden_size");
    }

    @Test
    void anotherArchitectureIsNamed() throws Exception {
        Path folder = folder();
        rewriteConfig(folder, c -> c.put("model_type", "gpt2"));
        InvalidModelException e = refused(folder);
        assertThat(e.field()).isEqualTo("model_type");
        assertThat(e).hasMessageContaining("'gpt2' is not supported");
    }

    @Test
    void headsThatKeyValueHeadsDoNotDivideAreNamed() throws Exception {
        Path folder = folder();
        rewriteConfig(folder, c -> c.put("num_key_value_heads", 3));
        assertThat(refused(folder))
                .hasMessageContaining("config.json")
                .hasMessageContaining("num_attention_heads (4) must be a multiple of num_key_value_heads (3)");
    }

    @Test
    void anUnsupportedRopeScalingIsNamed() throws Exception {
        Path folder = folder();
        rewriteConfig(folder, c -> c.putObject("rope_scaling").put("rope_type", "yarn"));
        InvalidModelException e = refused(folder);
        assertThat(e.field()).isEqualTo("rope_scaling");
        assertThat(e).hasMessageContaining("yarn");
    }

    @Test
    void aMissingTensorIsNamed() throws Exception {
        Path folder = folder();
        Map<String, TinyLlama.Tensor> w = new TreeMap<>(TinyLlama.weights(TinyLlama.Spec.gqa()));
        w.remove("model.layers.1.self_attn.v_proj.weight");
        TinyLlama.writeSafetensors(folder.resolve("model.safetensors"), w, "F32");
        InvalidModelException e = refused(folder);
        assertThat(e.field()).isEqualTo("model.layers.1.self_attn.v_proj.weight");
        assertThat(e).hasMessageContaining("missing tensor");
    }

    @Test
    void aTensorWhoseShapeDisagreesWithTheConfigIsNamed() throws Exception {
        Path folder = folder();
        // the checkpoint has 2 key/value heads; a config claiming 4 expects k_proj [32, 32]
        rewriteConfig(folder, c -> c.put("num_key_value_heads", 4));
        InvalidModelException e = refused(folder);
        assertThat(e.field()).isEqualTo("model.layers.0.self_attn.k_proj.weight");
        assertThat(e)
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("shape [16, 32]")
                .hasMessageContaining("[32, 32]");
    }

    @Test
    void anUntiedModelWithoutAnOutputProjectionIsNamed() throws Exception {
        Path folder = folder();
        Map<String, TinyLlama.Tensor> w = new TreeMap<>(TinyLlama.weights(TinyLlama.Spec.gqa()));
        w.remove("lm_head.weight");
        TinyLlama.writeSafetensors(folder.resolve("model.safetensors"), w, "F32");
        InvalidModelException e = refused(folder);
        assertThat(e.field()).isEqualTo("tie_word_embeddings");
        assertThat(e).hasMessageContaining("lm_head.weight");
    }

    @Test
    void aQuantisedTensorIsNamed() throws Exception {
        Path folder = folder();
        Map<String, TinyLlama.Tensor> w = TinyLlama.weights(TinyLlama.Spec.gqa());
        TinyLlama.writeSafetensors(folder.resolve("model.safetensors"), w, "F32");
        byte[] bytes = Files.readAllBytes(folder.resolve("model.safetensors"));
        String header = new String(bytes, 8, (int)
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong());
        int at = header.indexOf("\"F32\"");
        byte[] replaced = "\"I32\"".getBytes();
        System.arraycopy(replaced, 0, bytes, 8 + at, replaced.length);
        Files.write(folder.resolve("model.safetensors"), bytes);
        assertThat(refused(folder)).hasMessageContaining("model.safetensors").hasMessageContaining("dtype 'I32'");
    }

    @Test
    void aFileThatIsNotSafetensorsIsNamed() throws Exception {
        Path folder = folder();
        Files.write(folder.resolve("model.safetensors"), "PK\u0003\u0004 not a safetensors file".getBytes());
        assertThat(refused(folder)).hasMessageContaining("model.safetensors").hasMessageContaining("bad header length");
    }

    @Test
    void aFolderWithoutWeightsIsNamed() throws Exception {
        Path folder = folder();
        Files.delete(folder.resolve("model.safetensors"));
        assertThat(refused(folder)).hasMessageContaining("no *.safetensors file");
    }

    @Test
    void aShardedCheckpointLoadsToTheSameModelAndATensorInTwoShardsIsNamed() throws Exception {
        TinyLlama.Spec spec = TinyLlama.Spec.gqa();
        Map<String, TinyLlama.Tensor> w = TinyLlama.weights(spec);
        Path folder = folder();
        long[] ids = {1, 5, 9, 13, 40};
        float[] single;
        try (LlamaModel model = LlamaModel.load(folder, manager)) {
            single = LlamaModelTest.logitsWith(manager, model, new TokenBatch(ids, 1, ids.length));
        }
        Map<String, TinyLlama.Tensor> first = new TreeMap<>();
        Map<String, TinyLlama.Tensor> second = new TreeMap<>();
        w.forEach((k, v) -> (k.contains("layers.1.") || k.startsWith("lm_head") ? second : first).put(k, v));
        Files.delete(folder.resolve("model.safetensors"));
        TinyLlama.writeSafetensors(folder.resolve("model-00001-of-00002.safetensors"), first, "BF16");
        TinyLlama.writeSafetensors(folder.resolve("model-00002-of-00002.safetensors"), second, "F32");
        try (LlamaModel model = LlamaModel.load(folder, manager)) {
            assertThat(LlamaModelTest.logitsWith(manager, model, new TokenBatch(ids, 1, ids.length)))
                    .containsExactly(single);
        }
        second.put("model.norm.weight", w.get("model.norm.weight"));
        TinyLlama.writeSafetensors(folder.resolve("model-00002-of-00002.safetensors"), second, "F32");
        InvalidModelException e = refused(folder);
        assertThat(e.field()).isEqualTo("model.norm.weight");
        assertThat(e)
                .hasMessageContaining("model-00002-of-00002.safetensors")
                .hasMessageContaining("also in model-00001");
    }

    @Test
    void llama3RopeScalingIsReadAndScalesOnlyTheLowFrequencies() throws Exception {
        Path folder = folder();
        rewriteConfig(
                folder,
                c -> c.putObject("rope_scaling")
                        .put("rope_type", "llama3")
                        .put("factor", 8.0)
                        .put("low_freq_factor", 1.0)
                        .put("high_freq_factor", 4.0)
                        .put("original_max_position_embeddings", 8192));
        RopeScaling scaling = LlamaConfig.read(folder.resolve("config.json")).ropeScaling();
        assertThat(scaling).isEqualTo(new RopeScaling(8, 1, 4, 8192));
        // Hugging Face's _compute_llama3_parameters: wavelength < 8192/4 keeps, > 8192/1 is divided by 8,
        // in between interpolates with smooth = (8192/wavelength - 1) / (4 - 1)
        double high = 2 * Math.PI / 100;
        double low = 2 * Math.PI / 20000;
        double mid = 2 * Math.PI / 4096;
        assertThat(scaling.scale(high)).isEqualTo(high);
        assertThat(scaling.scale(low)).isEqualTo(low / 8);
        double smooth = (8192.0 / 4096 - 1) / 3;
        assertThat(scaling.scale(mid))
                .isCloseTo((1 - smooth) * mid / 8 + smooth * mid, org.assertj.core.data.Offset.offset(1e-15));
        try (LlamaModel model = LlamaModel.load(folder, manager)) {
            assertThat(model.config().ropeScaling()).isEqualTo(scaling);
        }
    }

    @Test
    void aMissingTokenizerIsNamed() throws Exception {
        Path folder = folder();
        Files.delete(folder.resolve("tokenizer.json"));
        assertThatThrownBy(() -> AgentTokenizer.load(folder))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("tokenizer.json")
                .hasMessageContaining("missing");
    }

    @Test
    void aTokenIdOutsideTheVocabularyIsRefused() throws Exception {
        try (LlamaModel model = LlamaModel.load(folder(), manager);
                NDManager step = manager.newSubManager()) {
            assertThatThrownBy(() -> model.logits(step, new TokenBatch(new long[] {1, 64}, 1, 2), false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("token id 64 is outside the vocabulary (vocab_size 64)");
        }
    }
}
