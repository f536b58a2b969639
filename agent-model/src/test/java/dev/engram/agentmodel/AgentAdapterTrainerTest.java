package dev.engram.agentmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.adapters.InvalidAdapterException;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.TrainingConfig;
import dev.engram.agentmodel.internal.SafetensorsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One LoRA run on a tiny model and a synthetic task → plan set (trained once for the class): the
 * plans' loss falls clearly, the base stays untouched, the files are what PEFT reads, and the
 * saved adapter reloads, merges and unmerges to the same outputs.
 */
class AgentAdapterTrainerTest {

    static final String[][] PAIRS = {
        {"rotate the web logs", "gzip old files then restart nginx"},
        {"rotate the db logs", "vacuum tables then gzip dumps"},
        {"restart the cache", "flush redis keys then start redis"},
        {"renew the certificate", "run certbot then reload nginx"},
        {"free disk space", "delete tmp files then prune images"},
        {"scale the web tier", "add two nodes then warm caches"},
        {"rotate api keys", "issue new keys then revoke old keys"},
        {"back up the db", "dump tables then upload dumps"}
    };

    private static NDManager manager;
    private static Path root;
    private static LlamaModel base;
    private static List<SftExample> examples;
    private static AgentTraining run;
    private static Map<String, float[]> frozenBefore;
    private static double lossBefore;

    @TempDir
    Path dir;

    static List<String> texts() {
        List<String> texts = new ArrayList<>(List.of("Task: Useful past cases: - / Plan:"));
        for (String[] p : PAIRS) {
            texts.add(p[0]);
            texts.add(p[1]);
        }
        return texts;
    }

    static List<SftExample> examples(AgentTokenizer tokenizer, LlamaConfig config) {
        EpisodeExamples builder = new EpisodeExamples(tokenizer, config, ExampleConfig.defaults());
        List<SftExample> out = new ArrayList<>();
        for (int i = 0; i < PAIRS.length; i++) {
            out.add(builder.example("e" + i, PAIRS[i][0], List.of(), PAIRS[i][1]));
        }
        return out;
    }

    static LoraConfig lora() {
        return AgentAdapterTrainer.defaultLora("engram-test/tiny-llama").toBuilder()
                .r(4)
                .alpha(8)
                .dropout(0)
                .targetModules(AgentAdapterTrainer.ALL_PROJECTIONS)
                .build();
    }

    @BeforeAll
    static void train() throws Exception {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        root = Files.createTempDirectory("agent-adapter");
        Path folder = TinyLlama.write(root.resolve("model"), TinyLlama.Spec.gqa(), TinyLlama.wordsOf(texts()));
        base = LlamaModel.load(folder, manager);
        try (AgentTokenizer tokenizer = AgentTokenizer.load(folder)) {
            examples = examples(tokenizer, base.config());
        }
        frozenBefore = new LinkedHashMap<>();
        base.baseLinears().forEach((k, v) -> frozenBefore.put(k, v.weight().toFloatArray()));
        frozenBefore.put("lm_head", base.lmHead().weight().toFloatArray());
        lossBefore = PlanLoss.mean(base, examples, 4, manager);
        TrainingConfig training = TrainingConfig.builder()
                .learningRate(2e-2)
                .totalSteps(60)
                .warmupSteps(5)
                .weightDecay(0)
                .batchSize(4)
                .seed(3)
                .build();
        run = new AgentAdapterTrainer(lora(), training, 4).fit(base, examples);
    }

    @AfterAll
    static void release() {
        run.close();
        base.close();
        manager.close();
    }

    @Test
    void trainingLowersThePlansLossClearlyAndNeverWritesTheBase() {
        double after = PlanLoss.mean(run.adapted().model(), examples, 4, manager);
        assertThat(lossBefore).as("an untrained model is near log(vocab)").isGreaterThan(2.0);
        assertThat(after).as("loss after training vs before (%.3f)", lossBefore).isLessThan(lossBefore * 0.3);
        assertThat(run.summary().lastLoss()).isLessThan(run.summary().firstLoss());
        assertThat(run.summary().steps()).isEqualTo(60);
        assertThat(PlanLoss.mean(base, examples, 4, manager))
                .as("the base model's loss")
                .isEqualTo(lossBefore);
        base.baseLinears()
                .forEach((k, v) -> assertThat(v.weight().toFloatArray()).as(k).containsExactly(frozenBefore.get(k)));
        assertThat(base.lmHead().weight().toFloatArray()).containsExactly(frozenBefore.get("lm_head"));
    }

    @Test
    void theSavedFilesHavePeftsNamesShapesAndConfig() throws Exception {
        run.adapted().lora().save(dir);
        JsonNode config =
                TinyLlama.JSON.readTree(dir.resolve("adapter_config.json").toFile());
        assertThat(config.path("peft_type").asText()).isEqualTo("LORA");
        assertThat(config.path("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(config.path("base_model_name_or_path").asText()).isEqualTo("engram-test/tiny-llama");
        assertThat(config.path("r").asInt()).isEqualTo(4);
        assertThat(config.path("lora_alpha").asDouble()).isEqualTo(8.0);
        List<String> targets = new ArrayList<>();
        config.path("target_modules").forEach(t -> targets.add(t.asText()));
        assertThat(targets).containsExactlyInAnyOrderElementsOf(AgentAdapterTrainer.ALL_PROJECTIONS);

        SafetensorsReader weights = SafetensorsReader.open(dir.resolve("adapter_model.safetensors"));
        TinyLlama.Spec s = TinyLlama.Spec.gqa();
        int q = s.heads() * s.headDim();
        int kv = s.kvHeads() * s.headDim();
        assertThat(weights.entries()).hasSize(s.layers() * 7 * 2);
        for (int l = 0; l < s.layers(); l++) {
            String p = "base_model.model.model.layers." + l + ".";
            Map<String, long[]> expected = new LinkedHashMap<>();
            expected.put(p + "self_attn.q_proj.lora_A.weight", new long[] {4, s.hidden()});
            expected.put(p + "self_attn.q_proj.lora_B.weight", new long[] {q, 4});
            expected.put(p + "self_attn.k_proj.lora_A.weight", new long[] {4, s.hidden()});
            expected.put(p + "self_attn.k_proj.lora_B.weight", new long[] {kv, 4});
            expected.put(p + "self_attn.v_proj.lora_B.weight", new long[] {kv, 4});
            expected.put(p + "self_attn.o_proj.lora_A.weight", new long[] {4, q});
            expected.put(p + "self_attn.o_proj.lora_B.weight", new long[] {s.hidden(), 4});
            expected.put(p + "mlp.gate_proj.lora_B.weight", new long[] {s.inter(), 4});
            expected.put(p + "mlp.down_proj.lora_A.weight", new long[] {4, s.inter()});
            expected.put(p + "mlp.down_proj.lora_B.weight", new long[] {s.hidden(), 4});
            expected.forEach((name, shape) -> {
                assertThat(weights.entries()).containsKey(name);
                assertThat(weights.entries().get(name).shape()).as(name).containsExactly(shape);
                assertThat(weights.entries().get(name).dtype()).isEqualTo("F32");
            });
        }
        // trained: B is no longer zero
        float[] b = weights.read("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight")
                .data();
        double norm = 0;
        for (float v : b) {
            norm += v * v;
        }
        assertThat(norm).isGreaterThan(1e-4);
    }

    @Test
    void theSavedAdapterReloadsMergesAndUnmergesToTheSameOutputs() throws Exception {
        run.adapted().lora().save(dir);
        SftBatch batch = SftBatch.of(examples.subList(0, 3), 0);
        float[] trained = LlamaModelTest.logitsWith(manager, run.adapted().model(), batch.inputs());
        float[] plain = LlamaModelTest.logitsWith(manager, base, batch.inputs());
        try (AdaptedModel reloaded = AdaptedModel.load(dir, base, manager)) {
            float[] unmerged = LlamaModelTest.logitsWith(manager, reloaded.model(), batch.inputs());
            assertThat(unmerged).containsExactly(trained);
            reloaded.lora().merge();
            float[] merged = LlamaModelTest.logitsWith(manager, reloaded.model(), batch.inputs());
            double maxDiff = 0;
            double moved = 0;
            for (int i = 0; i < merged.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(merged[i] - unmerged[i]));
                moved = Math.max(moved, Math.abs(unmerged[i] - plain[i]));
            }
            assertThat(moved).as("the adapter changes the outputs").isGreaterThan(0.1);
            assertThat(maxDiff).as("merged vs unmerged").isLessThan(1e-4);
            reloaded.lora().unmerge();
            assertThat(LlamaModelTest.logitsWith(manager, reloaded.model(), batch.inputs()))
                    .containsExactly(unmerged);
        }
    }

    @Test
    void theAdaptedModelWritesATrainedPlanWhereTheBaseModelDoesNot() throws Exception {
        Path folder = root.resolve("model");
        try (AgentTokenizer tokenizer = AgentTokenizer.load(folder)) {
            long[] prompt = examples.get(1).promptIds();
            String adapted = tokenizer.decode(new GreedyDecoder(run.adapted().model()).generate(manager, prompt, 12));
            String plain = tokenizer.decode(new GreedyDecoder(base).generate(manager, prompt, 12));
            assertThat(adapted).isEqualTo(PAIRS[1][1]);
            assertThat(plain).isNotEqualTo(PAIRS[1][1]);
        }
    }

    @Test
    void aDoraAdapterWithRankStabilisedScalingTrainsSavesAndReloadsToTheSameOutputs() throws Exception {
        LoraConfig dora = lora().toBuilder()
                .useDora(true)
                .useRslora(true)
                .targetModules(AgentAdapterTrainer.ATTENTION_MODULES)
                .build();
        TrainingConfig few = TrainingConfig.builder()
                .learningRate(1e-2)
                .totalSteps(5)
                .batchSize(4)
                .seed(4)
                .build();
        SftBatch batch = SftBatch.of(examples.subList(0, 2), 0);
        try (AgentTraining doraRun = new AgentAdapterTrainer(dora, few, 4).fit(base, examples)) {
            doraRun.adapted().lora().save(dir);
            float[] trained =
                    LlamaModelTest.logitsWith(manager, doraRun.adapted().model(), batch.inputs());
            SafetensorsReader weights = SafetensorsReader.open(dir.resolve("adapter_model.safetensors"));
            assertThat(weights.entries())
                    .containsKey("base_model.model.model.layers.0.self_attn.k_proj.lora_magnitude_vector");
            assertThat(weights.entries()
                            .get("base_model.model.model.layers.0.self_attn.k_proj.lora_magnitude_vector")
                            .shape())
                    .containsExactly(16);
            JsonNode config =
                    TinyLlama.JSON.readTree(dir.resolve("adapter_config.json").toFile());
            assertThat(config.path("use_dora").asBoolean()).isTrue();
            assertThat(config.path("use_rslora").asBoolean()).isTrue();
            try (AdaptedModel reloaded = AdaptedModel.load(dir, base, manager)) {
                assertThat(LlamaModelTest.logitsWith(manager, reloaded.model(), batch.inputs()))
                        .containsExactly(trained);
            }
        }
    }

    @Test
    void anAdapterForAnotherModelsShapesIsRefusedNamingTheTensor() throws Exception {
        run.adapted().lora().save(dir);
        TinyLlama.Spec other = TinyLlama.Spec.gqa().withKvHeads(4);
        Path folder = TinyLlama.write(dir.resolve("other"), other, TinyLlama.wordsOf(texts()));
        try (LlamaModel mha = LlamaModel.load(folder, manager)) {
            assertThatThrownBy(() -> AdaptedModel.load(dir, mha, manager))
                    .isInstanceOf(InvalidAdapterException.class)
                    .hasMessageContaining("adapter_model.safetensors")
                    .hasMessageContaining("k_proj");
        }
    }
}
