package dev.engram.adapters;

import static dev.engram.adapters.Fixtures.IN;
import static dev.engram.adapters.Fixtures.OUT;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.adapters.internal.SafetensorsFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Save → load gives the same outputs against the original base, for every variant. */
class AdapterFileTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private NDManager manager;
    private Map<String, FrozenLinear> base;

    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = Fixtures.base(manager, 6);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private Map<String, float[]> outputs(LoraModel lora, float[] x) {
        Map<String, float[]> out = new LinkedHashMap<>();
        // one input per layer, sized for it (output.dense takes 12 features, the others 16)
        lora.layers()
                .forEach((k, l) ->
                        out.put(k, Fixtures.output(l, manager, Arrays.copyOf(x, (int) (3 * l.inFeatures())), 3)));
        return out;
    }

    /** Trains briefly, saves, loads against the original base and compares; returns the saved config. */
    private JsonNode roundTrip(String name, LoraConfig config) throws Exception {
        Path dir = tmp.resolve(name);
        float[] x = Fixtures.randomInput(21, 3, IN);
        Map<String, float[]> frozen = Fixtures.snapshot(base);
        Map<String, float[]> trained;
        try (LoraModel lora = LoraModel.attach(base, config, manager, 17)) {
            lora.setTraining(true);
            new AdapterTrainer(TrainingConfig.builder()
                            .learningRate(2e-2)
                            .totalSteps(15)
                            .build())
                    .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
            lora.setTraining(false);
            trained = outputs(lora, x);
            lora.save(dir);
        }
        try (LoraModel loaded = LoraModel.load(dir, base, manager)) {
            Map<String, float[]> got = outputs(loaded, x);
            assertThat(got.keySet()).isEqualTo(trained.keySet());
            trained.forEach((k, v) -> assertThat(Fixtures.maxDiff(v, got.get(k)))
                    .as(name + " " + k)
                    .isLessThan(1e-5));
            // and the adapter is not a no-op
            assertThat(Fixtures.maxDiff(got.get(Fixtures.Q), Fixtures.output(base.get(Fixtures.Q), manager, x, 3)))
                    .isGreaterThan(1e-3);
        }
        Map<String, float[]> frozenAfter = Fixtures.snapshot(base);
        frozen.forEach((k, v) -> assertThat(frozenAfter.get(k)).as(k).isEqualTo(v));
        return JSON.readTree(dir.resolve(AdapterFiles.CONFIG_FILE).toFile());
    }

    @Test
    void plainLoraRoundTripsWithPeftFieldsAndKeys() throws Exception {
        JsonNode c = roundTrip(
                "plain",
                LoraConfig.builder()
                        .r(4)
                        .alpha(8)
                        .dropout(0.1)
                        .baseModelName("sentence-transformers/all-MiniLM-L6-v2")
                        .build());
        assertThat(c.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(c.get("task_type").asText()).isEqualTo("FEATURE_EXTRACTION");
        assertThat(c.get("r").asInt()).isEqualTo(4);
        assertThat(c.get("lora_alpha").asInt()).isEqualTo(8);
        assertThat(c.get("lora_dropout").asDouble()).isEqualTo(0.1);
        assertThat(c.get("target_modules")).containsExactly(JSON.readTree("\"query\""), JSON.readTree("\"value\""));
        assertThat(c.get("use_rslora").asBoolean()).isFalse();
        assertThat(c.get("use_dora").asBoolean()).isFalse();
        assertThat(c.get("init_lora_weights").asBoolean()).isTrue();
        assertThat(c.get("bias").asText()).isEqualTo("none");
        assertThat(c.get("fan_in_fan_out").asBoolean()).isFalse();
        assertThat(c.get("modules_to_save").isNull()).isTrue();
        assertThat(c.get("base_model_name_or_path").asText()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");

        SafetensorsFile.Contents st = SafetensorsFile.read(tmp.resolve("plain").resolve(AdapterFiles.WEIGHTS_FILE));
        assertThat(st.tensors().keySet())
                .containsExactly(
                        "base_model.model.encoder.layer.0.attention.self.query.lora_A.weight",
                        "base_model.model.encoder.layer.0.attention.self.query.lora_B.weight",
                        "base_model.model.encoder.layer.0.attention.self.value.lora_A.weight",
                        "base_model.model.encoder.layer.0.attention.self.value.lora_B.weight");
        assertThat(st.tensors()
                        .get("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight")
                        .shape())
                .containsExactly(4, IN);
        assertThat(st.tensors()
                        .get("base_model.model.encoder.layer.0.attention.self.query.lora_B.weight")
                        .shape())
                .containsExactly(OUT, 4);
        assertThat(st.metadata()).containsEntry("format", "pt");
    }

    @Test
    void rsLoraRoundTrips() throws Exception {
        JsonNode c = roundTrip(
                "rslora", LoraConfig.builder().r(4).alpha(4).useRslora(true).build());
        assertThat(c.get("use_rslora").asBoolean()).isTrue();
    }

    @Test
    void doraRoundTripsWithMagnitudeVector() throws Exception {
        JsonNode c = roundTrip(
                "dora",
                LoraConfig.builder()
                        .r(4)
                        .useDora(true)
                        .targetModules(List.of("all-linear"))
                        .build());
        assertThat(c.get("use_dora").asBoolean()).isTrue();
        assertThat(c.get("target_modules").asText()).isEqualTo("all-linear");
        SafetensorsFile.Contents st = SafetensorsFile.read(tmp.resolve("dora").resolve(AdapterFiles.WEIGHTS_FILE));
        assertThat(st.tensors()
                        .get("base_model.model.encoder.layer.0.attention.output.dense.lora_magnitude_vector")
                        .shape())
                .containsExactly(IN);
        assertThat(st.tensors()).hasSize(4 * 3);
    }

    @Test
    void oloraIsSavedAsAPlainLoraForTheOriginalBase() throws Exception {
        JsonNode c = roundTrip(
                "olora", LoraConfig.builder().r(3).alpha(6).init(LoraInit.OLORA).build());
        // as PEFT's path_initial_model_for_weight_conversion: rank and alpha double, init becomes true
        assertThat(c.get("r").asInt()).isEqualTo(6);
        assertThat(c.get("lora_alpha").asInt()).isEqualTo(12);
        assertThat(c.get("init_lora_weights").asBoolean()).isTrue();
        JsonNode rs = roundTrip(
                "olora-rs-dora",
                LoraConfig.builder()
                        .r(3)
                        .alpha(6)
                        .init(LoraInit.OLORA)
                        .useRslora(true)
                        .useDora(true)
                        .build());
        assertThat(rs.get("lora_alpha").asDouble())
                .isCloseTo(6 * Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void gaussianAndRegexTargetsRoundTrip() throws Exception {
        JsonNode c = roundTrip(
                "gauss",
                LoraConfig.builder()
                        .r(2)
                        .init(LoraInit.GAUSSIAN)
                        .targetModulesRegex(".*\\.(query|key)")
                        .build());
        assertThat(c.get("init_lora_weights").asText()).isEqualTo("gaussian");
        assertThat(c.get("target_modules").asText()).isEqualTo(".*\\.(query|key)");
    }

    @Test
    void safetensorsLayoutAndChecksum() throws Exception {
        roundTrip("sum", LoraConfig.builder().r(2).build());
        Path dir = tmp.resolve("sum");
        byte[] bytes = Files.readAllBytes(dir.resolve(AdapterFiles.WEIGHTS_FILE));
        long headerLength =
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        JsonNode header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        JsonNode a = header.get("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight");
        assertThat(a.get("dtype").asText()).isEqualTo("F32");
        long begin = a.get("data_offsets").get(0).asLong();
        float first = ByteBuffer.wrap(bytes, (int) (8 + headerLength + begin), 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getFloat();
        float[] expected = SafetensorsFile.read(dir.resolve(AdapterFiles.WEIGHTS_FILE))
                .tensors()
                .get("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight")
                .data();
        assertThat(first).isEqualTo(expected[0]);

        String sum = AdapterFiles.payloadSha256(dir);
        assertThat(sum).matches("[0-9a-f]{64}");
        try (LoraModel loaded = LoraModel.load(dir, base, manager)) {
            loaded.save(tmp.resolve("resaved"));
        }
        assertThat(AdapterFiles.payloadSha256(tmp.resolve("resaved"))).isEqualTo(sum);
        Files.writeString(
                dir.resolve(AdapterFiles.CONFIG_FILE), Files.readString(dir.resolve(AdapterFiles.CONFIG_FILE)) + " ");
        assertThat(AdapterFiles.payloadSha256(dir)).isNotEqualTo(sum);
        assertThat(AdapterFiles.sha256(dir.resolve(AdapterFiles.WEIGHTS_FILE)))
                .isEqualTo(AdapterFiles.sha256(tmp.resolve("resaved").resolve(AdapterFiles.WEIGHTS_FILE)));
    }
}
