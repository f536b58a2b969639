package dev.engram.bench;

import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.Query;
import dev.engram.retriever.eval.QuerySplit;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TrainingExample;
import dev.engram.streams.TrainingJob;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One query-side tuning round on the worker's side, measured: a training job built from Cranfield
 * feedback (each feedback query's judged-relevant abstracts as positives, two lexically close
 * unjudged ones as hard negatives; held-out queries with their judged abstracts and lexically close
 * others as candidates), handed to a worker in its own JVM with an explicit {@code -Xmx}, which
 * embeds the job's case texts, trains the candidate and scores it on the held-out queries as
 * {@code engram worker} does. Prints the time of each phase, the worker's peak RSS (VmHWM) and peak
 * heap, and the same for the bare {@code ContrastiveTrainer} on the same examples in the same JVM
 * setup, with whole-batch passes (as before passes existed) and with the default passes.
 *
 * <p>Two query shapes: {@code short} (Cranfield's questions, ~20 word pieces) and {@code long}
 * (each question followed by a plan, as agents send task and plan: the text of the abstract ranked
 * 30th for it, so a query fills the 256 word pieces the node's encoder reads).
 *
 * <p>Run: {@code bench/run RoundBench [--examples 350] [--held-out 30] [--candidates 20] [--epochs 4]
 * [--xmx 2g] [--shapes short,long] [--runs worker,trainer-one-pass,trainer]}; {@code trainer@N} runs
 * the trainer at N query word pieces per pass. The node's side of a
 * round (the scheduler building the job, the job on Kafka, the node verifying the candidate and its
 * gate) is not in it.
 */
public final class RoundBench {

    private RoundBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        int examples = Integer.parseInt(opts.getOrDefault("examples", "350"));
        int heldOut = Integer.parseInt(opts.getOrDefault("held-out", "30"));
        int candidates = Integer.parseInt(opts.getOrDefault("candidates", "20"));
        int epochs = Integer.parseInt(opts.getOrDefault("epochs", "4"));
        String xmx = opts.getOrDefault("xmx", "2g");
        List<String> shapes = List.of(opts.getOrDefault("shapes", "short,long").split(","));
        List<String> runs = List.of(
                opts.getOrDefault("runs", "worker,trainer-one-pass,trainer").split(","));

        EvalDataset cranfield = CranfieldLoader.load();
        Path dir = Files.createTempDirectory("engram-round-bench");
        System.out.printf(
                Locale.ROOT,
                "RoundBench: Cranfield, %d examples, %d held-out queries x %d candidates, query-side LoRA r 8 on"
                        + " query/value, %d epochs, batch 32, max length 256; worker JVM -Xmx%s, %s threads%n",
                examples,
                heldOut,
                candidates,
                epochs,
                xmx,
                System.getProperty("ai.djl.pytorch.num_threads", "2"));
        for (String shape : shapes) {
            long t = System.nanoTime();
            TrainingJob job = job(cranfield, shape.equals("long"), examples, heldOut, candidates, epochs);
            byte[] json = ContinualCodec.encode(job);
            Path file = dir.resolve(shape + ".json");
            Files.write(file, json);
            double buildS = (System.nanoTime() - t) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "%n%s queries: job built in %.2f s (%d examples, %d held-out, %.1f MB of JSON), mean query %d chars%n",
                    shape,
                    buildS,
                    job.examples().size(),
                    job.heldOut().size(),
                    json.length / 1e6,
                    (int) job.examples().stream()
                            .mapToInt(e -> e.query().length())
                            .average()
                            .orElse(0));
            for (String run : runs) {
                List<String> command = new ArrayList<>(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx" + xmx,
                        "-Dai.djl.offline=true",
                        "-Dai.djl.pytorch.num_threads=" + System.getProperty("ai.djl.pytorch.num_threads", "2"),
                        "-Dai.djl.pytorch.num_interop_threads=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        RoundBenchWorker.class.getName(),
                        run.startsWith("trainer") ? "trainer" : "worker",
                        file.toString()));
                if (run.equals("trainer-one-pass")) {
                    command.add("0");
                } else if (run.startsWith("trainer@")) {
                    command.add(run.substring("trainer@".length()));
                }
                report(shape, run, command);
            }
        }
        System.out.println("\n(worker: the round as engram worker runs it; trainer: the bare ContrastiveTrainer on the"
                + " same examples, after embedding their case texts; trainer-one-pass: the same with every query of"
                + " a step in one pass, as before passes existed)");
    }

    private static void report(String shape, String run, List<String> command)
            throws IOException, InterruptedException {
        long launched = System.currentTimeMillis();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        Process p = pb.start();
        Map<String, long[]> marks = new LinkedHashMap<>();
        List<String> other = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("MARK ")) {
                    String[] f = line.split(" ");
                    marks.put(f[1], new long[] {
                        Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5])
                    });
                } else if (line.startsWith("RESULT ") || line.contains("Exception") || line.contains("Error")) {
                    other.add(line);
                }
            }
        }
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            System.out.printf("  %-17s FAILED (exit %s): %s%n", run, p.isAlive() ? "-" : p.exitValue(), other);
            p.destroyForcibly();
            return;
        }
        long[] done = marks.get(run.equals("worker") ? "evaluate" : "train");
        StringBuilder phases = new StringBuilder();
        long previous = launched;
        for (Map.Entry<String, long[]> m : marks.entrySet()) {
            phases.append(String.format(
                    Locale.ROOT,
                    " %s %.1f s (peak RSS then %.0f MiB);",
                    m.getKey(),
                    (m.getValue()[0] - previous) / 1e3,
                    m.getValue()[1] / 1024.0));
            previous = m.getValue()[0];
        }
        System.out.printf(
                Locale.ROOT,
                "  %-17s %6.1f s in all, peak RSS %,6.0f MiB (RSS at the end %,6.0f), peak heap %,5.0f MiB;%s %s%n",
                run,
                (done[0] - launched) / 1e3,
                done[1] / 1024.0,
                done[2] / 1024.0,
                done[3] / 1048576.0,
                phases,
                other);
    }

    /** A job as the node's scheduler builds one, from Cranfield's judgements. */
    static TrainingJob job(
            EvalDataset cranfield,
            boolean longQueries,
            int maxExamples,
            int heldOutQueries,
            int candidates,
            int epochs) {
        QuerySplit split = QuerySplit.split(cranfield, 0.6, 42);
        LexicalRanking lexical = new LexicalRanking(cranfield.docs());
        List<TrainingExample> examples = new ArrayList<>();
        for (Query q : split.feedback()) {
            Map<String, Integer> judged = cranfield.qrels().judged(q.id());
            List<Document> ranked = lexical.rank(q.text());
            List<String> negatives = ranked.stream()
                    .filter(d -> !judged.containsKey(d.id()))
                    .limit(2)
                    .map(Document::fullText)
                    .toList();
            String query = longQueries ? q.text() + "\nplan: " + ranked.get(29).fullText() : q.text();
            for (Map.Entry<String, Integer> j : judged.entrySet()) {
                if (j.getValue() > 0 && examples.size() < maxExamples) {
                    examples.add(new TrainingExample(query, lexical.text(j.getKey()), negatives));
                }
            }
        }
        List<HeldOutQuery> heldOut = new ArrayList<>();
        for (Query q : split.heldOut()
                .subList(0, Math.min(heldOutQueries, split.heldOut().size()))) {
            Map<String, Integer> judged = cranfield.qrels().judged(q.id());
            List<HeldOutQuery.Candidate> list = new ArrayList<>();
            for (Document d : lexical.rank(q.text())) {
                if (list.size() >= candidates) {
                    break;
                }
                Integer gain = judged.get(d.id());
                list.add(new HeldOutQuery.Candidate(d.id(), d.fullText(), gain == null || gain < 0 ? 0 : gain));
            }
            if (list.stream().anyMatch(c -> c.gain() > 0)) {
                heldOut.add(new HeldOutQuery(q.id(), q.text(), list));
            }
        }
        LoraTrainingConfig lora =
                new LoraTrainingConfig(8, 16, 0.1, List.of("query", "value"), false, false, epochs, 32, 5e-4, 42, 256);
        return new TrainingJob(
                TrainingJob.SCHEMA_VERSION,
                "round-bench-" + (longQueries ? "long" : "short"),
                "cranfield",
                "cranfield-retriever",
                1L,
                null,
                "sentence-transformers/all-MiniLM-L6-v2",
                AdapterMethod.LORA_QUERY_SIDE,
                lora,
                examples,
                heldOut,
                List.of(),
                Instant.now(),
                1,
                null);
    }

    /** A field of /proc/PID/status in KiB ({@code self} for this process), or -1. */
    static long procStatusKib(String pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + Arrays.toString(args));
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        return out;
    }

    /** Term-overlap ranking weighted by idf: enough to pick plausible hard negatives and candidates. */
    private static final class LexicalRanking {
        private final List<Document> docs;
        private final List<Set<String>> terms = new ArrayList<>();
        private final Map<String, Double> idf = new HashMap<>();
        private final Map<String, String> textById = new HashMap<>();

        LexicalRanking(List<Document> docs) {
            this.docs = docs;
            Map<String, Integer> df = new HashMap<>();
            for (Document d : docs) {
                Set<String> t = words(d.fullText());
                terms.add(t);
                t.forEach(w -> df.merge(w, 1, Integer::sum));
                textById.put(d.id(), d.fullText());
            }
            df.forEach((w, n) -> idf.put(w, Math.log((double) docs.size() / n)));
        }

        String text(String id) {
            return textById.get(id);
        }

        List<Document> rank(String query) {
            Set<String> q = words(query);
            double[] score = new double[docs.size()];
            for (int i = 0; i < docs.size(); i++) {
                for (String w : q) {
                    if (terms.get(i).contains(w)) {
                        score[i] += idf.getOrDefault(w, 0.0);
                    }
                }
            }
            Integer[] order = new Integer[docs.size()];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -score[i]));
            return Arrays.stream(order).map(docs::get).toList();
        }

        private static Set<String> words(String text) {
            Set<String> out = new HashSet<>();
            for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
                if (w.length() > 2) {
                    out.add(w);
                }
            }
            return out;
        }
    }
}
