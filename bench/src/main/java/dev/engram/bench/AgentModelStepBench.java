package dev.engram.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.adapters.AdapterTrainer;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraModel;
import dev.engram.adapters.TrainingConfig;
import dev.engram.agentmodel.AgentAdapterTrainer;
import dev.engram.agentmodel.CausalLmLoss;
import dev.engram.agentmodel.LlamaModel;
import dev.engram.agentmodel.SftBatch;
import dev.engram.agentmodel.SftExample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The agent model at SmolLM2-135M's shape (30 layers, hidden 576, 9 query / 3 key-value heads of
 * 64, SwiGLU 1536, vocabulary 49,152, tied embeddings) with random BF16 weights written here as a
 * Hugging Face folder (nothing is downloaded): load time, forward throughput (no grad) and a LoRA
 * training step (r 8, alpha 16 on q/k/v/o; the plan-token loss on the second half of each row;
 * AdamW, clipping at 1.0), with peak RSS. The same-run baseline is PyTorch eager on the same shapes
 * ({@code bench/pytorch/llama_step.py}, run by this class when {@code /usr/bin/python3} has
 * torch); without it, the figures are Engram's alone.
 *
 * <p>Run: {@code bench/run AgentModelStepBench [steps] [batch] [length] [python]} (defaults 5 steps
 * after 2 warm-up, batch 4, 128 tokens, {@code /usr/bin/python3}); threads from
 * {@code BENCH_THREADS} (default 2).
 */
public final class AgentModelStepBench {

    private static final int WARMUP = 2;

    private AgentModelStepBench() {}

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int length = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        String python = args.length > 3 ? args[3] : "/usr/bin/python3";
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", 2);
        System.out.printf(
                "AgentModelStepBench: SmolLM2-135M shape, random BF16 weights, batch %d x %d tokens,"
                        + " LoRA r=8 on q/k/v/o, %d threads, %d steps after %d warm-up%n",
                batch, length, threads, steps, WARMUP);
        Path folder = Files.createTempDirectory("smollm2-shape");
        long t0 = System.nanoTime();
        LlamaFolder.smolLm2().write(folder, "BF16", 0.05, 11);
        System.out.printf(
                "wrote %s (%.0f MB) in %.1f s%n",
                folder, Files.size(folder.resolve("model.safetensors")) / 1e6, (System.nanoTime() - t0) / 1e9);

        List<SftExample> rows = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < batch; i++) {
            long[] ids = new long[length + 1];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = rnd.nextInt(LlamaFolder.smolLm2().vocab());
            }
            int half = ids.length / 2;
            rows.add(new SftExample("row-" + i, Arrays.copyOf(ids, half), Arrays.copyOfRange(ids, half, ids.length)));
        }
        SftBatch sft = SftBatch.of(rows, 0);

        double loadS;
        double forwardTokensPerS;
        double stepMs;
        double rssLoaded;
        double peak;
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            long l0 = System.nanoTime();
            try (LlamaModel model = LlamaModel.load(folder, manager)) {
                loadS = (System.nanoTime() - l0) / 1e9;
                rssLoaded = procStatusMib("VmRSS");
                System.out.printf("Engram load: %.1f s, RSS %.0f MiB%n", loadS, rssLoaded);
                double[] rates = new double[3];
                for (int i = -1; i < rates.length; i++) {
                    long f0 = System.nanoTime();
                    try (NDManager m = manager.newSubManager()) {
                        model.logits(m, sft.inputs(), false).getFloat(0, 0, 0);
                    }
                    if (i >= 0) {
                        rates[i] = batch * length / ((System.nanoTime() - f0) / 1e9);
                    }
                }
                forwardTokensPerS = median(rates);
                System.out.printf("Engram forward (no grad): median %.0f tokens/s%n", forwardTokensPerS);

                LoraConfig lora = AgentAdapterTrainer.defaultLora("bench/smollm2-shape").toBuilder()
                        .dropout(0)
                        .build();
                try (LoraModel adapter = LoraModel.attach(model.baseLinears(), lora, manager, 0L)) {
                    LlamaModel tuned = model.withLinears(adapter.layers());
                    List<Long> starts = new ArrayList<>();
                    TrainingConfig training = TrainingConfig.builder()
                            .learningRate(2e-4)
                            .totalSteps(WARMUP + steps + 1)
                            .maxGradNorm(1.0)
                            .seed(0)
                            .batchSize(batch)
                            .build();
                    new AdapterTrainer(training).fit(adapter.trainableParameters(), (m, step) -> {
                        starts.add(System.nanoTime());
                        return CausalLmLoss.mean(m, tuned.logits(m, sft.inputs(), true), sft);
                    });
                    peak = procStatusMib("VmHWM");
                    double[] ms = new double[steps];
                    for (int i = 0; i < steps; i++) {
                        ms[i] = (starts.get(WARMUP + i + 1) - starts.get(WARMUP + i)) / 1e6;
                    }
                    stepMs = median(ms);
                    System.out.printf(
                            "Engram LoRA step: median %.0f ms, min %.0f ms (%d adapted layers, %d params)%n",
                            stepMs,
                            Arrays.stream(ms).min().orElse(0),
                            adapter.layers().size(),
                            adapter.trainableParameters().stream()
                                    .mapToLong(p -> p.value().size())
                                    .sum());
                    System.out.printf(
                            "Engram peak RSS %.0f MiB (after load %.0f MiB, growth in training %.0f MiB)%n",
                            peak, rssLoaded, peak - rssLoaded);
                }
            }
        } finally {
            LlamaFolder.delete(folder);
        }
        JsonNode torch = runPyTorch(python, threads, steps, batch, length);
        System.out.println();
        if (torch == null) {
            System.out.println("no PyTorch baseline (see above); figures for Engram only");
            return;
        }
        System.out.printf(
                "%-30s %12s %12s %8s%n",
                "", "Engram/DJL", "PyTorch " + torch.get("torch").asText(), "ratio");
        row("LoRA step, ms (median)", stepMs, torch.get("lora_step_ms_median").asDouble());
        row(
                "forward, tokens/s",
                forwardTokensPerS,
                torch.get("forward_tokens_per_s_median").asDouble());
        row("peak RSS, MiB", peak, torch.get("peak_rss_mib").asDouble());
    }

    private static void row(String what, double engram, double torch) {
        System.out.printf("%-30s %12.1f %12.1f %7.2fx%n", what, engram, torch, engram / torch);
    }

    private static JsonNode runPyTorch(String python, int threads, int steps, int batch, int length)
            throws IOException, InterruptedException {
        Path script = Path.of("bench/pytorch/llama_step.py");
        if (!Files.exists(script) || !Files.isExecutable(Path.of(python))) {
            System.out.println("PyTorch baseline skipped: needs " + script + " (run from the repository root) and "
                    + python + " with torch (apt-get install -y python3-torch libopenblas0-pthread)");
            return null;
        }
        List<String> cmd = List.of(
                python,
                script.toString(),
                "--threads",
                Integer.toString(threads),
                "--steps",
                Integer.toString(steps),
                "--warmup",
                Integer.toString(WARMUP),
                "--batch",
                Integer.toString(batch),
                "--length",
                Integer.toString(length));
        System.out.println("running the PyTorch baseline: " + String.join(" ", cmd));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        out.lines().filter(l -> !l.startsWith("{")).forEach(l -> System.out.println("  " + l));
        String last =
                out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
        if (rc != 0 || last == null) {
            System.out.println("PyTorch baseline failed (exit " + rc + ")");
            return null;
        }
        return new ObjectMapper().readTree(last);
    }

    private static double procStatusMib(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
