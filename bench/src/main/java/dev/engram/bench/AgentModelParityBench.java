package dev.engram.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.agentmodel.LlamaModel;
import dev.engram.agentmodel.TokenBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Engram's agent model against a plain PyTorch forward of the same tiny model (4 layers, hidden
 * 64, 8 query / 2 key-value heads, untied head, random F32 weights written here): the folder, the
 * ids and Engram's logits go to a temporary directory, {@code bench/pytorch/llama_step.py --parity}
 * computes the logits with torch ops and prints the largest difference (aim: below 1e-4). Needs
 * {@code /usr/bin/python3} with torch; without it, only Engram's side runs.
 *
 * <p>Run: {@code bench/run AgentModelParityBench [python]}.
 */
public final class AgentModelParityBench {

    private AgentModelParityBench() {}

    public static void main(String[] args) throws Exception {
        String python = args.length > 0 ? args[0] : "/usr/bin/python3";
        LlamaFolder shape = new LlamaFolder(256, 64, 160, 4, 8, 2, 8, false, 10000);
        Path folder = Files.createTempDirectory("llama-parity");
        shape.write(folder, "F32", 0.2, 3);
        long[] ids = new long[24];
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(shape.vocab());
        }
        try {
            compare(folder, ids, python);
        } finally {
            LlamaFolder.delete(folder);
        }
    }

    private static void compare(Path folder, long[] ids, String python) throws Exception {
        float[] logits;
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                LlamaModel model = LlamaModel.load(folder, manager);
                NDManager step = manager.newSubManager()) {
            logits = model.logits(step, new TokenBatch(ids, 1, ids.length), false)
                    .toFloatArray();
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode parity = json.createObjectNode();
        ArrayNode idArray = parity.putArray("ids");
        for (long id : ids) {
            idArray.add(id);
        }
        ArrayNode logitArray = parity.putArray("logits");
        for (float v : logits) {
            logitArray.add(v);
        }
        Files.write(folder.resolve("parity.json"), json.writeValueAsBytes(parity));
        System.out.printf(
                "AgentModelParityBench: %s, %d ids, %d logits from Engram%n", folder, ids.length, logits.length);
        Path script = Path.of("bench/pytorch/llama_step.py");
        if (!Files.exists(script) || !Files.isExecutable(Path.of(python))) {
            System.out.println("PyTorch side skipped: needs " + script + " (run from the repository root) and " + python
                    + " with torch (apt-get install -y python3-torch libopenblas0-pthread)");
            return;
        }
        Process p = new ProcessBuilder(List.of(python, script.toString(), "--parity", folder.toString()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        out.lines().forEach(l -> System.out.println("  " + l));
        String last =
                out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
        if (rc != 0 || last == null) {
            System.out.println("PyTorch side failed (exit " + rc + ")");
            return;
        }
        double diff = json.readTree(last).get("max_abs_diff").asDouble();
        System.out.printf(
                "max |logit difference| Engram vs PyTorch: %.3g (aim < 1e-4: %s)%n",
                diff, diff < 1e-4 ? "met" : "NOT met");
    }
}
