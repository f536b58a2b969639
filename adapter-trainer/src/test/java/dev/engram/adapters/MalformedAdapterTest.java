package dev.engram.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.adapters.internal.FloatTensor;
import dev.engram.adapters.internal.SafetensorsFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed adapter is rejected with a message naming the file and the problem; nothing changes. */
class MalformedAdapterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QA = "base_model.model." + Fixtures.Q + ".lora_A.weight";
    private static final String QB = "base_model.model." + Fixtures.Q + ".lora_B.weight";
    private static final String VA = "base_model.model." + Fixtures.V + ".lora_A.weight";
    private static final String VB = "base_model.model." + Fixtures.V + ".lora_B.weight";

    private NDManager manager;
    private Map<String, FrozenLinear> base;
    private Path valid;
    private int casesChecked;

    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        base = Fixtures.base(manager, 2);
        valid = tmp.resolve("valid");
        try (LoraModel lora = LoraModel.attach(base, LoraConfig.builder().r(2).build(), manager, 1)) {
            lora.save(valid);
        }
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private Path copy(String name) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        for (String f : AdapterFiles.PAYLOAD_FILES) {
            Files.copy(valid.resolve(f), dir.resolve(f));
        }
        return dir;
    }

    private Path weights(Path dir) {
        return dir.resolve(AdapterFiles.WEIGHTS_FILE);
    }

    /** Loading {@code dir} fails naming {@code file} and saying {@code problem}; base and manager untouched. */
    private void assertRejected(Path dir, Path file, String problem) {
        Map<String, float[]> frozen = Fixtures.snapshot(base);
        int arrays = manager.getManagedArrays().size();
        assertThatThrownBy(() -> LoraModel.load(dir, base, manager).close())
                .isInstanceOf(InvalidAdapterException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(((InvalidAdapterException) e).file()).isEqualTo(file));
        assertThat(manager.getManagedArrays()).hasSize(arrays);
        Map<String, float[]> after = Fixtures.snapshot(base);
        frozen.forEach((k, v) -> assertThat(after.get(k)).as(k).isEqualTo(v));
        casesChecked++;
    }

    private void editTensors(Path dir, Consumer<Map<String, FloatTensor>> edit) throws IOException {
        SafetensorsFile.Contents c = SafetensorsFile.read(weights(dir));
        Map<String, FloatTensor> t = new TreeMap<>(c.tensors());
        edit.accept(t);
        SafetensorsFile.write(weights(dir), t, c.metadata());
    }

    private void editHeader(Path dir, Consumer<ObjectNode> edit) throws IOException {
        byte[] bytes = Files.readAllBytes(weights(dir));
        int n = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode header = (ObjectNode) JSON.readTree(new String(bytes, 8, n, StandardCharsets.UTF_8));
        edit.accept(header);
        byte[] h = JSON.writeValueAsBytes(header);
        ByteBuffer out =
                ByteBuffer.allocate(8 + h.length + bytes.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(bytes, 8 + n, bytes.length - 8 - n);
        Files.write(weights(dir), out.array());
    }

    private void setHeaderLength(Path dir, long length) throws IOException {
        byte[] bytes = Files.readAllBytes(weights(dir));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        Files.write(weights(dir), bytes);
    }

    @Test
    void theValidOneLoads() throws Exception {
        LoraModel.load(valid, base, manager).close();
    }

    @Test
    void badHeaderLength() throws Exception {
        Path dir = copy("huge-header");
        setHeaderLength(dir, 1L << 40);
        assertRejected(dir, weights(dir), "bad header length");
        Path zero = copy("zero-header");
        setHeaderLength(zero, 0);
        assertRejected(zero, weights(zero), "bad header length");
        Path tiny = copy("tiny");
        Files.write(weights(tiny), new byte[] {1, 2, 3});
        assertRejected(tiny, weights(tiny), "bad header length");
    }

    @Test
    void truncatedData() throws Exception {
        Path dir = copy("truncated");
        byte[] bytes = Files.readAllBytes(weights(dir));
        Files.write(weights(dir), Arrays.copyOf(bytes, bytes.length - 10));
        assertRejected(dir, weights(dir), "data_offsets");
    }

    @Test
    void headerNotJson() throws Exception {
        Path dir = copy("bad-json");
        byte[] bytes = Files.readAllBytes(weights(dir));
        bytes[8] = 'x';
        Files.write(weights(dir), bytes);
        assertRejected(dir, weights(dir), "header is not valid JSON");
    }

    @Test
    void wrongDtype() throws Exception {
        Path dir = copy("f16");
        editHeader(dir, h -> ((ObjectNode) h.get(QA)).put("dtype", "F16"));
        assertRejected(dir, weights(dir), "dtype 'F16'");
    }

    @Test
    void shapeMismatchWithTheBase() throws Exception {
        Map<String, FrozenLinear> wider = new LinkedHashMap<>(base);
        Random rng = new Random(3);
        wider.put(Fixtures.Q, new FrozenLinear(Fixtures.random(manager, rng, Fixtures.OUT, 20), null));
        Map<String, FrozenLinear> saved = base;
        base = wider;
        try {
            assertRejected(valid, weights(valid), "needs [r, in]");
        } finally {
            base = saved;
        }
        Path dir = copy("wrong-r");
        editTensors(dir, t -> t.put(QB, new FloatTensor(new long[] {Fixtures.OUT, 3}, new float[Fixtures.OUT * 3])));
        assertRejected(dir, weights(dir), "has shape [12, 3]");
    }

    @Test
    void nonFiniteValues() throws Exception {
        Path dir = copy("nan");
        editTensors(dir, t -> {
            float[] d = t.get(VA).data().clone();
            d[5] = Float.NaN;
            t.put(VA, new FloatTensor(t.get(VA).shape(), d));
        });
        assertRejected(dir, weights(dir), "non-finite value (NaN");
        Path inf = copy("inf");
        editTensors(inf, t -> {
            float[] d = t.get(QB).data().clone();
            d[0] = Float.POSITIVE_INFINITY;
            t.put(QB, new FloatTensor(t.get(QB).shape(), d));
        });
        assertRejected(inf, weights(inf), "non-finite value (Infinity");
    }

    @Test
    void unknownTargetModule() throws Exception {
        Path dir = copy("unknown");
        editTensors(dir, t -> {
            t.put("base_model.model.encoder.layer.9.attention.self.query.lora_A.weight", t.get(QA));
            t.put("base_model.model.encoder.layer.9.attention.self.query.lora_B.weight", t.get(QB));
        });
        assertRejected(dir, weights(dir), "unknown target module encoder.layer.9.attention.self.query");
    }

    @Test
    void missingTensors() throws Exception {
        Path dir = copy("missing-b");
        editTensors(dir, t -> t.remove(QB));
        assertRejected(dir, weights(dir), "missing tensor " + QB);
        Path module = copy("missing-module");
        editTensors(module, t -> {
            t.remove(VA);
            t.remove(VB);
        });
        assertRejected(module, weights(module), "missing tensors for target module " + Fixtures.V);
        Path dora = copy("stray-magnitude");
        editTensors(
                dora,
                t -> t.put(
                        "base_model.model." + Fixtures.Q + ".lora_magnitude_vector",
                        new FloatTensor(new long[] {Fixtures.OUT}, new float[Fixtures.OUT])));
        assertRejected(dora, weights(dora), "use_dora=false");
        Path stray = copy("stray");
        editTensors(
                stray,
                t -> t.put("base_model.model." + Fixtures.Q + ".bias", new FloatTensor(new long[] {1}, new float[1])));
        assertRejected(stray, weights(stray), "unexpected tensor");
    }

    @Test
    void missingOrBadFiles() throws Exception {
        Path noConfig = copy("no-config");
        Files.delete(noConfig.resolve(AdapterFiles.CONFIG_FILE));
        assertRejected(noConfig, noConfig.resolve(AdapterFiles.CONFIG_FILE), "missing");
        Path noWeights = copy("no-weights");
        Files.delete(weights(noWeights));
        assertRejected(noWeights, weights(noWeights), "missing");
        Path badConfig = copy("bad-config");
        Files.writeString(badConfig.resolve(AdapterFiles.CONFIG_FILE), "{\"peft_type\": \"LORA\", ");
        assertRejected(badConfig, badConfig.resolve(AdapterFiles.CONFIG_FILE), "not valid JSON");
        Path ia3 = copy("ia3");
        Files.writeString(
                ia3.resolve(AdapterFiles.CONFIG_FILE),
                Files.readString(ia3.resolve(AdapterFiles.CONFIG_FILE)).replace("\"LORA\"", "\"IA3\""));
        assertRejected(ia3, ia3.resolve(AdapterFiles.CONFIG_FILE), "peft_type is 'IA3'");
        Path bias = copy("bias");
        Files.writeString(
                bias.resolve(AdapterFiles.CONFIG_FILE),
                Files.readString(bias.resolve(AdapterFiles.CONFIG_FILE))
                        .replace("\"bias\" : \"none\"", "\"bias\" : \"all\""));
        assertRejected(bias, bias.resolve(AdapterFiles.CONFIG_FILE), "bias is 'all'");
        assertThat(casesChecked).isEqualTo(5);
    }

    @Test
    void configTargetsMustBeUsable() throws Exception {
        Path dir = copy("targets");
        ObjectNode c =
                (ObjectNode) JSON.readTree(dir.resolve(AdapterFiles.CONFIG_FILE).toFile());
        c.putArray("target_modules");
        Files.writeString(dir.resolve(AdapterFiles.CONFIG_FILE), JSON.writeValueAsString(c));
        assertRejected(dir, dir.resolve(AdapterFiles.CONFIG_FILE), "target_modules must be");
        c.put("target_modules", "query");
        c.put("r", 0);
        Files.writeString(dir.resolve(AdapterFiles.CONFIG_FILE), JSON.writeValueAsString(c));
        assertRejected(dir, dir.resolve(AdapterFiles.CONFIG_FILE), "r must be");
        assertThat(List.of(casesChecked)).containsExactly(2);
    }
}
