package dev.engram.node.adapters;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraModel;
import dev.engram.adapters.NoGradScope;
import dev.engram.adapters.TrainableParameter;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.AdapterFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Real PEFT adapter files for MiniLM (LoRA on query/value), and corrupted variants of them. */
public final class MiniLmAdapters {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MiniLmAdapters() {
    }

    /**
     * The files of an r-{@code r} adapter over the encoder's base whose B matrices are nudged off
     * zero (so that it really changes query vectors), seeded.
     */
    public static List<AdapterFile> files(TextEncoder encoder, int r, long seed) throws IOException {
        Path dir = Files.createTempDirectory("engram-test-adapter-");
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                NoGradScope ignored = NoGradScope.enter();
                LoraModel lora = LoraModel.attach(encoder.baseEncoder().baseLinears(), LoraConfig.builder().r(r)
                        .alpha(2.0 * r).targetModules(List.of("query", "value")).baseModelName(Events.MINILM).build(),
                        manager, seed)) {
            for (TrainableParameter p : lora.trainableParameters()) {
                if (p.name().contains("lora_B")) {
                    p.value().addi(0.01f * (1 + seed % 7));
                }
            }
            lora.save(dir);
            return List.of(
                    new AdapterFile(AdapterFile.PEFT_CONFIG, Files.readAllBytes(dir.resolve(AdapterFile.PEFT_CONFIG))),
                    new AdapterFile(AdapterFile.PEFT_WEIGHTS, Files.readAllBytes(dir.resolve(AdapterFile.PEFT_WEIGHTS))));
        }
    }

    /** The same files with the first weight of the safetensors data section set to NaN. */
    public static List<AdapterFile> withNaN(List<AdapterFile> files) {
        byte[] weights = file(files, AdapterFile.PEFT_WEIGHTS);
        long header = ByteBuffer.wrap(weights, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ByteBuffer.wrap(weights, (int) (8 + header), 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN);
        return List.of(new AdapterFile(AdapterFile.PEFT_CONFIG, file(files, AdapterFile.PEFT_CONFIG)),
                new AdapterFile(AdapterFile.PEFT_WEIGHTS, weights));
    }

    /** The same weights with a config that claims another rank, so no matrix has the shape it says. */
    public static List<AdapterFile> withRank(List<AdapterFile> files, int claimedRank) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(file(files, AdapterFile.PEFT_CONFIG));
        config.put("r", claimedRank);
        return List.of(new AdapterFile(AdapterFile.PEFT_CONFIG, JSON.writeValueAsBytes(config)),
                new AdapterFile(AdapterFile.PEFT_WEIGHTS, file(files, AdapterFile.PEFT_WEIGHTS)));
    }

    private static byte[] file(List<AdapterFile> files, String name) {
        return files.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow().bytes();
    }
}
