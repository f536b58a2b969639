package dev.engram.bench;

import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.node.policy.JudgedTasks;
import dev.engram.node.registry.ServingAdapter;
import dev.engram.node.tuning.JudgedRecallLog;
import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.ranking.JudgedTask;
import dev.engram.retriever.ranking.JudgedTaskMemory;
import dev.engram.retriever.ranking.RankerPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What a tenant's judged-task memory costs to build with the real MiniLM query tower (not a test;
 * prints figures): N judged tasks (the Cranfield queries, then fragments of Cranfield sentences),
 * built one {@code embedQuery} per task (every build before task vectors were kept, and so every
 * recall after new feedback), in one batched {@code embedQueries} call (a cold build), and after
 * one new judged task with the earlier build's vectors kept (the recall after new feedback now).
 * Same process, same tasks, each round on a tenant of its own; medians of the rounds. The batched
 * vectors are checked against the one-at-a-time ones.
 *
 * <pre>
 * bench/run JudgedTaskMemoryBench [--tasks 2000] [--rounds 3]
 * </pre>
 *
 * <p>PyTorch threads from {@code BENCH_THREADS} (default 2).
 */
public final class JudgedTaskMemoryBench {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private JudgedTaskMemoryBench() {}

    public static void main(String[] args) throws Exception {
        int n = intArg(args, "--tasks", 2000);
        int rounds = intArg(args, "--rounds", 3);
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", 2);
        List<String> tasks = distinctTasks(n + 1);
        String newTask = tasks.remove(n);
        Path dir = Files.createTempDirectory("engram-judged-tasks");
        EncoderConfig config = EncoderConfig.custom()
                .intraOpThreads(threads)
                .interOpThreads(1)
                .device("cpu")
                .build();
        try (TextEncoder encoder = TextEncoder.load(config)) {
            System.out.printf(
                    Locale.ROOT,
                    "JudgedTaskMemoryBench: %d judged tasks, MiniLM query tower (maxLength %d, batch %d), %d cores,"
                            + " PyTorch threads %d%n",
                    n,
                    config.maxLength(),
                    config.batchSize(),
                    Runtime.getRuntime().availableProcessors(),
                    threads);
            JudgedRecallLog log = new JudgedRecallLog(dir);
            Embedder oneAtATime = new OneQueryAtATime(encoder);
            // warm-up of both paths (JIT, libtorch's first passes)
            encoder.embedQueries(tasks.subList(0, 64));
            tasks.subList(0, 64).forEach(encoder::embedQuery);

            double[] before = new double[rounds];
            double[] batched = new double[rounds];
            double[] incremental = new double[rounds];
            double minCosine = 1;
            for (int r = 0; r < rounds; r++) {
                // each round its own tenant with the same tasks, so every build starts from nothing
                String tenant = "tenant-" + r;
                List<Episode> judged = new ArrayList<>();
                for (int i = 0; i < tasks.size(); i++) {
                    judged.add(episode(tenant, i, tasks.get(i)));
                }
                log.append(judged);
                Timed<JudgedTaskMemory> old = time(() ->
                        new JudgedTasks(log, CaseStoreConfig.defaults()).memory(tenant, version(tenant, oneAtATime)));
                JudgedTasks judgedTasks = new JudgedTasks(log, CaseStoreConfig.defaults());
                Timed<JudgedTaskMemory> cold = time(() -> judgedTasks.memory(tenant, version(tenant, encoder)));
                log.append(List.of(episode(tenant, n, newTask)));
                Timed<JudgedTaskMemory> kept = time(() -> judgedTasks.memory(tenant, version(tenant, encoder)));
                if (kept.value().tasks().size() != n + 1) {
                    throw new IllegalStateException("expected " + (n + 1) + " tasks, memory has "
                            + kept.value().tasks().size());
                }
                before[r] = old.millis();
                batched[r] = cold.millis();
                incremental[r] = kept.millis();
                minCosine = Math.min(minCosine, minCosine(old.value(), cold.value()));
                System.out.printf(
                        Locale.ROOT,
                        "round %d: one at a time %,.0f ms, batched %,.0f ms, one new task %,.1f ms%n",
                        r + 1,
                        before[r],
                        batched[r],
                        incremental[r]);
            }
            double b = median(before);
            double c = median(batched);
            double k = median(incremental);
            System.out.printf(
                    Locale.ROOT,
                    "median of %d rounds, %d tasks:%n"
                            + "  full build, one embedQuery per task (every build before):  %,9.0f ms (%.1f ms/task)%n"
                            + "  full build, batched embedQueries:                           %,9.0f ms (%.1f ms/task), %.1fx faster%n"
                            + "  after one new judged task, earlier vectors kept:            %,9.1f ms, %.0fx faster than before%n",
                    rounds,
                    n,
                    b,
                    b / n,
                    c,
                    c / n,
                    b / c,
                    k,
                    b / k);
            System.out.printf(
                    Locale.ROOT, "batched vs one-at-a-time vectors: min cosine %.7f over %d tasks%n", minCosine, n);
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** {@code count} distinct task texts: the Cranfield queries, then fragments of Cranfield sentences. */
    private static List<String> distinctTasks(int count) throws Exception {
        List<String> sentences = BenchCorpus.cranfieldSentences();
        if (sentences.isEmpty()) {
            throw new IllegalStateException("datasets/cranfield is not on the classpath: build retriever-tuning");
        }
        Random random = new Random(42);
        Set<String> out = new LinkedHashSet<>();
        for (int want = count; out.size() < count; want += count - out.size()) {
            out.addAll(BenchCorpus.queryTexts(sentences, random, want));
        }
        return new ArrayList<>(new ArrayList<>(out).subList(0, count));
    }

    private static Episode episode(String tenant, int i, String task) {
        return new Episode(
                tenant + "-evt-" + i,
                tenant,
                "agent-" + (i % 7),
                T0.plusSeconds(i),
                task,
                "",
                "",
                0.8,
                List.of(new Judgement("case-" + (i % 500), 1, i % 3 != 0)));
    }

    private static ServingAdapter version(String tenant, Embedder tower) {
        return ServingAdapter.candidate(tenant, "bench-retriever", 1, tower, RankerPolicy.untuned());
    }

    private record Timed<T>(T value, double millis) {}

    private static <T> Timed<T> time(Supplier<T> work) {
        long started = System.nanoTime();
        T value = work.get();
        return new Timed<>(value, (System.nanoTime() - started) / 1e6);
    }

    private static double minCosine(JudgedTaskMemory a, JudgedTaskMemory b) {
        Map<String, float[]> byText = new HashMap<>();
        for (JudgedTask t : a.tasks()) {
            byText.put(t.text(), t.vector());
        }
        double min = 1;
        for (JudgedTask t : b.tasks()) {
            float[] x = byText.get(t.text());
            float[] y = t.vector();
            double dot = 0;
            for (int i = 0; i < y.length; i++) {
                dot += (double) x[i] * y[i];
            }
            min = Math.min(min, dot);
        }
        return min;
    }

    /** The encoder's query tower, one {@code embedQuery} per text (the default {@code embedQueries}). */
    private record OneQueryAtATime(TextEncoder inner) implements Embedder {
        @Override
        public String modelId() {
            return inner.modelId();
        }

        @Override
        public int dimension() {
            return inner.dimension();
        }

        @Override
        public float[] embedQuery(String text) {
            return inner.embedQuery(text);
        }

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            return inner.embedDocuments(texts);
        }
    }

    private static double median(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
