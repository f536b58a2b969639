package dev.engram.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.adapters.AdapterTrainer;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraModel;
import dev.engram.adapters.TrainingConfig;
import dev.engram.retriever.BertEncoder;
import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.TokenBatch;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A LoRA training step and the encoder's forward throughput on MiniLM at batch 32 x 128 tokens
 * (r = 8, alpha 16, on query and value; MNRL loss of the first 16 pooled vectors against the last
 * 16; AdamW, clipping at 1.0), Engram on DJL against PyTorch eager
 * ({@code bench/pytorch/encoder_and_lora_step.py}, run by this class in the same run when
 * {@code /usr/bin/python3} has torch). Prints step time, texts/s and peak RSS with ratios.
 *
 * <p>Run: {@code bench/run LoraStepBench [steps] [python]} (defaults 10 steps after 3 warm-up,
 * {@code /usr/bin/python3}); threads from {@code BENCH_THREADS} (default 2).
 */
public final class LoraStepBench {

    private static final int BATCH = 32;
    private static final int LENGTH = 128;
    private static final int WARMUP = 3;

    private LoraStepBench() {}

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        String python = args.length > 1 ? args[1] : "/usr/bin/python3";
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", 2);
        System.out.printf(
                "LoraStepBench: MiniLM, batch %d x %d tokens, LoRA r=8 on query,value, %d threads,"
                        + " %d steps after %d warm-up%n",
                BATCH, LENGTH, threads, steps, WARMUP);

        EncoderConfig config = EncoderConfig.custom()
                .maxLength(LENGTH)
                .intraOpThreads(threads)
                .interOpThreads(1)
                .device("cpu")
                .build();
        double stepMs;
        double forwardRate;
        double rssLoaded;
        double peakTrain;
        try (TextEncoder encoder = TextEncoder.load(config);
                NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            BertEncoder base = encoder.baseEncoder();
            TokenBatch batch = randomBatch();
            LoraConfig lora = LoraConfig.builder()
                    .r(8)
                    .alpha(16)
                    .dropout(0)
                    .targetModules(List.of("query", "value"))
                    .build();
            try (LoraModel model = LoraModel.attach(base.baseLinears(), lora, manager, 0L)) {
                model.setTraining(true);
                BertEncoder tuned = base.withLinears(model.layers());
                rssLoaded = procStatusMib("VmRSS");
                List<Long> starts = new ArrayList<>();
                TrainingConfig training = TrainingConfig.builder()
                        .learningRate(1e-4)
                        .weightDecay(0.01)
                        .totalSteps(WARMUP + steps + 1)
                        .warmupSteps(0)
                        .maxGradNorm(1.0)
                        .seed(0)
                        .batchSize(BATCH)
                        .build();
                new AdapterTrainer(training).fit(model.trainableParameters(), (m, step) -> {
                    starts.add(System.nanoTime());
                    return mnrl(m, tuned.embed(m, batch, true));
                });
                peakTrain = procStatusMib("VmHWM");
                double[] ms = new double[steps];
                for (int i = 0; i < steps; i++) {
                    ms[i] = (starts.get(WARMUP + i + 1) - starts.get(WARMUP + i)) / 1e6;
                }
                stepMs = median(ms);
                System.out.printf(
                        "Engram LoRA step: median %.1f ms, min %.1f ms (%d adapted layers, %d params)%n",
                        stepMs,
                        Arrays.stream(ms).min().orElse(0),
                        model.layers().size(),
                        model.trainableParameters().stream()
                                .mapToLong(p -> p.value().size())
                                .sum());
            }
            double[] rates = new double[6];
            try (NDManager m = manager.newSubManager()) {
                base.embed(m, batch, false);
            }
            for (int i = 0; i < rates.length; i++) {
                long t0 = System.nanoTime();
                try (NDManager m = manager.newSubManager()) {
                    base.embed(m, batch, false).toFloatArray();
                }
                rates[i] = BATCH / ((System.nanoTime() - t0) / 1e9);
            }
            forwardRate = median(rates);
            System.out.printf("Engram encoder forward (no grad): median %.1f texts/s%n", forwardRate);
            System.out.printf(
                    "Engram peak RSS %.0f MiB (after load %.0f MiB, growth in training %.0f MiB)%n",
                    peakTrain, rssLoaded, peakTrain - rssLoaded);
        }

        JsonNode torch = runPyTorch(python, threads, steps);
        System.out.println();
        if (torch == null) {
            System.out.println("no PyTorch baseline (see above); figures for Engram only");
            return;
        }
        double torchStep = torch.get("lora_step_ms_median").asDouble();
        double torchRate = torch.get("forward_texts_per_s_median").asDouble();
        double torchPeak = torch.get("peak_rss_train_mib").asDouble();
        double torchGrowth = torch.get("peak_rss_growth_train_mib").asDouble();
        System.out.printf(
                "%-34s %12s %12s %8s%n",
                "batch 32 x 128, " + threads + " threads",
                "Engram/DJL",
                "PyTorch " + torch.get("torch").asText(),
                "ratio");
        System.out.printf(
                "%-34s %12.1f %12.1f %7.2fx  (aim <= 0.8x)%n",
                "LoRA step, ms (median)", stepMs, torchStep, stepMs / torchStep);
        System.out.printf(
                "%-34s %12.0f %12.0f %7.2fx  (aim <= 1.0x)%n",
                "peak RSS, MiB (whole process)", peakTrain, torchPeak, peakTrain / torchPeak);
        System.out.printf(
                "%-34s %12.0f %12.0f %7.2fx%n",
                "RSS growth in training, MiB",
                peakTrain - rssLoaded,
                torchGrowth,
                (peakTrain - rssLoaded) / torchGrowth);
        System.out.printf(
                "%-34s %12.1f %12.1f %7.2fx%n",
                "encoder forward, texts/s", forwardRate, torchRate, forwardRate / torchRate);
    }

    /** Multiple-negatives ranking loss, scale 20, without scalar-Number ops (DJL pitfall 1). */
    private static NDArray mnrl(NDManager m, NDArray pooled) {
        int half = BATCH / 2;
        NDArray unit = pooled.div(pooled.norm(new int[] {1}, true));
        NDArray q = unit.get("0:" + half);
        NDArray d = unit.get(half + ":" + BATCH);
        NDArray logits = q.matMul(d.transpose()).mul(m.create(20f));
        return logits.logSoftmax(1)
                .mul(m.eye(half))
                .sum()
                .div(m.create((float) half))
                .neg();
    }

    /** Seeded random word pieces, [CLS] ... [SEP], no padding: the same shape the script uses. */
    private static TokenBatch randomBatch() {
        Random random = new Random(7);
        long[] ids = new long[BATCH * LENGTH];
        long[] mask = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int pos = i % LENGTH;
            ids[i] = pos == 0 ? 101 : pos == LENGTH - 1 ? 102 : 1000 + random.nextInt(29000);
            mask[i] = 1;
        }
        return new TokenBatch(BATCH, LENGTH, ids, mask, new long[ids.length]);
    }

    private static JsonNode runPyTorch(String python, int threads, int steps) throws IOException, InterruptedException {
        Path script = Path.of("bench/pytorch/encoder_and_lora_step.py");
        if (!Files.exists(script) || !Files.isExecutable(Path.of(python))) {
            System.out.println("PyTorch baseline skipped: needs " + script + " (run from the repository root) and "
                    + python + " with torch (apt-get install -y python3-torch libopenblas0-pthread)");
            return null;
        }
        List<String> cmd = new ArrayList<>(List.of(
                python,
                script.toString(),
                "--threads",
                Integer.toString(threads),
                "--steps",
                Integer.toString(steps),
                "--warmup",
                Integer.toString(WARMUP)));
        URL onnx = LoraStepBench.class.getClassLoader().getResource("all-minilm-l6-v2.onnx");
        if (onnx != null && onnx.getProtocol().equals("jar")) {
            String jar =
                    onnx.getPath().substring("file:".length(), onnx.getPath().indexOf("!/"));
            cmd.addAll(List.of("--jar", jar));
        }
        System.out.println("running the PyTorch baseline: " + String.join(" ", cmd));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        System.out.print(out.lines()
                .filter(l -> !l.startsWith("{"))
                .map(l -> "  " + l + "\n")
                .reduce("", String::concat));
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
