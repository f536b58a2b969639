package dev.engram.bench;

import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.TextEncoder;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Encoder throughput (texts/s) on Cranfield abstracts: Engram's MiniLM (batches of 32, length-sorted,
 * dynamic padding; the base model on ONNX Runtime, and the same on its PyTorch path as before)
 * against langchain4j's MiniLM on ONNX Runtime (one text per
 * run, as langchain4j does), same texts, same process. Both see at most 128 tokens per text: the
 * tokenizer.json shipped with the model truncates there, and Engram is set to the same length.
 *
 * <p>Run: {@code bench/run EncoderThroughputBench [texts] [rounds]} (defaults 640 texts, 3 rounds;
 * PyTorch threads from {@code BENCH_THREADS}, default 2). ONNX Runtime uses its default intra-op
 * pool (one thread per physical core); it is run both with langchain4j's default executor (one
 * task per core) and with texts one after another.
 */
public final class EncoderThroughputBench {

    private EncoderThroughputBench() {}

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 640;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", 2);
        List<String> texts = cranfieldAbstracts(count);
        List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
        System.out.printf(
                "EncoderThroughputBench: %d Cranfield abstracts, %d rounds (best and median),"
                        + " %d cores, PyTorch threads %d%n",
                texts.size(), rounds, Runtime.getRuntime().availableProcessors(), threads);

        EncoderConfig config = EncoderConfig.custom()
                .maxLength(128)
                .batchSize(32)
                .intraOpThreads(threads)
                .interOpThreads(1)
                .device("cpu")
                .build();
        ExecutorService sequential = Executors.newSingleThreadExecutor();
        try (TextEncoder engram = TextEncoder.load(config);
                TextEncoder engramTorch = TextEncoder.load(
                        config.toBuilder().onnxRuntimeBase(false).build())) {
            AllMiniLmL6V2EmbeddingModel ortDefault = new AllMiniLmL6V2EmbeddingModel();
            AllMiniLmL6V2EmbeddingModel ortSequential = new AllMiniLmL6V2EmbeddingModel(sequential);

            Function<List<String>, List<float[]>> engramRun = engram::embedDocuments;
            Function<List<String>, List<float[]>> torchRun = engramTorch::embedDocuments;
            Function<List<String>, List<float[]>> ortDefaultRun =
                    t -> vectors(ortDefault, segments.subList(0, t.size()));
            Function<List<String>, List<float[]>> ortSequentialRun =
                    t -> vectors(ortSequential, segments.subList(0, t.size()));

            // warm-up, and a parity check on what is being timed
            List<float[]> a = engramRun.apply(texts.subList(0, 64));
            List<float[]> b = ortDefaultRun.apply(texts.subList(0, 64));
            ortSequentialRun.apply(texts.subList(0, 64));
            torchRun.apply(texts.subList(0, 64));
            double minCos = 1;
            for (int i = 0; i < a.size(); i++) {
                minCos = Math.min(minCos, cosine(a.get(i), b.get(i)));
            }
            System.out.printf("parity on the warm-up texts: min cosine %.7f%n", minCos);

            double[] engramRates = new double[rounds];
            double[] ortRates = new double[rounds];
            double[] ortSeqRates = new double[rounds];
            double[] torchRates = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                torchRates[r] = rate(torchRun, texts);
                engramRates[r] = rate(engramRun, texts);
                ortRates[r] = rate(ortDefaultRun, texts);
                ortSeqRates[r] = rate(ortSequentialRun, texts);
                System.out.printf(
                        "round %d: engram %.1f texts/s (its PyTorch path %.1f), onnxruntime(default executor) %.1f,"
                                + " onnxruntime(sequential) %.1f%n",
                        r + 1, engramRates[r], torchRates[r], ortRates[r], ortSeqRates[r]);
            }
            double engramBest = max(engramRates);
            double ortBest = Math.max(max(ortRates), max(ortSeqRates));
            System.out.println();
            System.out.printf("%-44s %10s %10s%n", "encoder (batch 32, max 128 tokens)", "best", "median");
            System.out.printf(
                    "%-44s %10.1f %10.1f texts/s%n",
                    "Engram (base on ONNX Runtime, " + threads + " threads)", engramBest, median(engramRates));
            System.out.printf(
                    "%-44s %10.1f %10.1f texts/s%n",
                    "Engram, PyTorch path (DJL " + threads + " threads)", max(torchRates), median(torchRates));
            System.out.printf(
                    "%-44s %10.1f %10.1f texts/s%n",
                    "ONNX Runtime, langchain4j default executor", max(ortRates), median(ortRates));
            System.out.printf(
                    "%-44s %10.1f %10.1f texts/s%n",
                    "ONNX Runtime, one text at a time", max(ortSeqRates), median(ortSeqRates));
            System.out.printf(
                    "ratio Engram / best ONNX Runtime: %.2fx (aim >= 1.0x); its PyTorch path: %.2fx%n",
                    engramBest / ortBest, max(torchRates) / ortBest);

            // Single-query latency: the recall path embeds one query at a time.
            String query = "what are the structural and aeroelastic problems associated with flight"
                    + " of high speed aircraft";
            double engramQuery = latencyMillis(() -> engram.embedQuery(query));
            double torchQuery = latencyMillis(() -> engramTorch.embedQuery(query));
            double ortQuery = latencyMillis(() -> ortDefault.embed(query));
            System.out.printf(
                    "single query latency (median of 50): Engram %.2f ms, its PyTorch path %.2f ms, ONNX Runtime"
                            + " %.2f ms; ratios %.2fx and %.2fx (aim <= 1.2x)%n",
                    engramQuery, torchQuery, ortQuery, engramQuery / ortQuery, torchQuery / ortQuery);
        } finally {
            sequential.shutdownNow();
        }
    }

    private static List<float[]> vectors(AllMiniLmL6V2EmbeddingModel model, List<TextSegment> segments) {
        return model.embedAll(segments).content().stream().map(e -> e.vector()).toList();
    }

    private static double rate(Function<List<String>, List<float[]>> run, List<String> texts) {
        long t0 = System.nanoTime();
        List<float[]> out = run.apply(texts);
        long t1 = System.nanoTime();
        if (out.size() != texts.size()) {
            throw new IllegalStateException("expected " + texts.size() + " vectors, got " + out.size());
        }
        return texts.size() / ((t1 - t0) / 1e9);
    }

    private static double latencyMillis(Runnable r) {
        for (int i = 0; i < 10; i++) {
            r.run();
        }
        double[] ms = new double[50];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return median(ms);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double cosine(float[] a, float[] b) {
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

    static List<String> cranfieldAbstracts(int limit) throws IOException {
        String all;
        try (InputStream in =
                EncoderThroughputBench.class.getClassLoader().getResourceAsStream("datasets/cranfield/cran.all.1400")) {
            if (in == null) {
                throw new IllegalStateException("datasets/cranfield/cran.all.1400 not on the classpath"
                        + " (it ships in engram-retriever-tuning)");
            }
            all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> out = new ArrayList<>();
        for (String doc : all.split("(?m)^\\.I ")) {
            int w = doc.indexOf("\n.W\n");
            if (w >= 0) {
                String text = doc.substring(w + 4).replaceAll("\\s+", " ").trim();
                if (!text.isEmpty()) {
                    out.add(text);
                }
            }
            if (out.size() == limit) {
                break;
            }
        }
        return out;
    }
}
