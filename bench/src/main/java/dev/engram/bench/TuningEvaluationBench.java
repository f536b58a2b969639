package dev.engram.bench;

import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.ScoredCase;
import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.EvaluationReport;
import dev.engram.retriever.eval.Query;
import dev.engram.retriever.eval.QuerySplit;
import dev.engram.retriever.selector.CaseSelector;
import dev.engram.retriever.selector.SelectorConfig;
import dev.engram.retriever.selector.SelectorExample;
import dev.engram.retriever.tuning.ContrastiveTrainer;
import dev.engram.retriever.tuning.FeedbackExamples;
import dev.engram.retriever.tuning.JudgedRecall;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.retriever.tuning.TrainingExample;
import dev.engram.retriever.tuning.TunedEmbedder;
import dev.engram.retriever.tuning.TuningConfig;
import dev.engram.retriever.tuning.TuningMode;
import dev.engram.retriever.tuning.TuningProgress;
import dev.engram.retriever.tuning.TuningRound;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Does feedback tuning help? On Cranfield with a seeded split into feedback queries and held-out
 * queries: simulates agents' feedback on the feedback queries, tunes the retriever from it, and
 * prints, side by side from one run, every system on the held-out queries (plus the fit on the
 * feedback queries, a learning curve, and time and memory per round).
 *
 * <pre>
 * bench/run TuningEvaluationBench [--seed 42] [--feedback-fraction 0.6] [--feedback-k 20]
 *     [--max-length 256] [--epochs 4] [--batch 32] [--lr 5e-4] [--symmetric-epochs 1]
 *     [--symmetric-batch 16] [--curve 0.25,0.5] [--no-symmetric] [--no-selector]
 * </pre>
 */
public final class TuningEvaluationBench {

    private static final String TENANT = "cranfield";
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private final Map<String, String> args;
    private final EvalDataset data = CranfieldLoader.load();
    private final Map<String, float[]> frozenDocVectors = new HashMap<>();
    private final List<String> report = new ArrayList<>();

    private TuningEvaluationBench(Map<String, String> args) {
        this.args = args;
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + argv[i] + "; options start with --");
            }
            String key = argv[i].substring(2);
            boolean flag = key.startsWith("no-");
            args.put(key, flag ? "true" : argv[++i]);
        }
        new TuningEvaluationBench(args).run();
    }

    private String arg(String key, String dflt) {
        return args.getOrDefault(key, dflt);
    }

    private void run() throws Exception {
        long seed = Long.parseLong(arg("seed", "42"));
        double feedbackFraction = Double.parseDouble(arg("feedback-fraction", "0.6"));
        int feedbackK = Integer.parseInt(arg("feedback-k", "20"));
        int maxLength = Integer.parseInt(arg("max-length", "256"));
        QuerySplit split = QuerySplit.split(data, feedbackFraction, seed);
        say("Cranfield: %d documents, %d judged queries -> %d feedback / %d held out (seed %d)",
                data.docs().size(), data.judgedQueries().size(), split.feedback().size(), split.heldOut().size(), seed);
        say("Feedback is simulated IN-PROCESS against a LuceneCaseStore (hybrid recall top %d, judged useful when"
                + " Cranfield says relevant); the stream-driven simulator through the node over Kafka arrives with"
                + " issue 5.", feedbackK);

        Path dir = Files.createTempDirectory("engram-tuning-bench");
        try (TextEncoder encoder = TextEncoder.load(EncoderConfig.custom().maxLength(maxLength).batchSize(32).build());
                LuceneCaseStore store = LuceneCaseStore.open(dir.resolve("frozen"), CaseStoreConfig.defaults())) {
            long t = System.nanoTime();
            index(store, encoder, frozenDocVectors);
            say("embedded and indexed %d documents with frozen MiniLM (max %d word pieces) in %.1f s",
                    data.docs().size(), maxLength, secs(t));

            Function<Query, List<String>> bm25 = q -> ids(store.recall(RecallQuery.bm25(TENANT, q.text(), 100)).ranked());
            Function<Query, List<String>> frozenDense = dense(store, encoder);
            Function<Query, List<String>> frozenHybrid = hybrid(store, encoder);
            List<EvaluationReport> table = new ArrayList<>();
            table.add(EvaluationReport.evaluate("BM25", split.heldOut(), data.qrels(), bm25));
            table.add(EvaluationReport.evaluate("frozen MiniLM", split.heldOut(), data.qrels(), frozenDense));
            table.add(EvaluationReport.evaluate("hybrid frozen (BM25+MiniLM)", split.heldOut(), data.qrels(), frozenHybrid));

            // simulated feedback: what the node would have served (hybrid frozen), judged by the qrels
            List<Episode> episodes = simulateFeedback(split.feedback(), frozenHybrid, feedbackK);
            FeedbackExamples feedback = FeedbackExamples.builder().maxHardNegatives(4).build();
            List<TrainingExample> examples = feedback.trainingExamples(episodes, id -> store.get(TENANT, id));
            long negatives = examples.stream().mapToLong(e -> e.hardNegatives().size()).sum();
            say("feedback: %d episodes, %d (task, useful case) examples, %.1f hard negatives per example",
                    episodes.size(), examples.size(), (double) negatives / Math.max(1, examples.size()));

            TuningConfig base = TuningConfig.builder()
                    .epochs(Integer.parseInt(arg("epochs", "4")))
                    .batchSize(Integer.parseInt(arg("batch", "32")))
                    .learningRate(Double.parseDouble(arg("lr", "5e-4")))
                    .seed(seed)
                    .build();

            // query-side round (the default)
            PeakMemory memory = PeakMemory.reset();
            TuningRound querySide = new ContrastiveTrainer(encoder, base).withBaseCaseVectors(frozenDocVectors::get)
                    .train(TENANT, examples, List.of(), null, progress("query-side"));
            endProgress();
            say("query-side round: %d examples, %d steps, %.1f s (embedding %.1f s), loss %.3f -> %.3f, peak RSS %s",
                    examples.size(), querySide.steps(), querySide.elapsed().toMillis() / 1e3,
                    querySide.embeddingTime().toMillis() / 1e3, querySide.meanLossOfFirst(0.1),
                    querySide.meanLossOfLast(0.1), memory.peak());
            try (TenantAdapter qAdapter = querySide.adapter()) {
                TunedEmbedder tunedQ = (TunedEmbedder) qAdapter.embedder(encoder);
                Function<Query, List<String>> tunedDense = dense(store, tunedQ);
                Function<Query, List<String>> tunedHybrid = hybrid(store, tunedQ);
                EvaluationReport tunedDenseReport = EvaluationReport.evaluate("tuned (query-side)", split.heldOut(),
                        data.qrels(), tunedDense);
                table.add(tunedDenseReport);

                if (!args.containsKey("no-symmetric")) {
                    table.add(symmetric(encoder, base, examples, split, dir));
                }
                table.add(EvaluationReport.evaluate("tuned hybrid (q-side+BM25)", split.heldOut(), data.qrels(),
                        tunedHybrid));
                List<EvaluationReport> fit = new ArrayList<>();
                fit.add(EvaluationReport.evaluate("frozen MiniLM", split.feedback(), data.qrels(), frozenDense));
                fit.add(EvaluationReport.evaluate("tuned (query-side)", split.feedback(), data.qrels(), tunedDense));
                fit.add(EvaluationReport.evaluate("hybrid frozen", split.feedback(), data.qrels(), frozenHybrid));
                fit.add(EvaluationReport.evaluate("tuned hybrid", split.feedback(), data.qrels(), tunedHybrid));
                if (!args.containsKey("no-selector")) {
                    try (CaseSelector selector = trainSelector(feedback, episodes, store, tunedQ)) {
                        for (double blend : new double[] {1.0, 0.5}) {
                            Function<Query, List<String>> selected = q -> selector.rerank(tunedQ.embedQuery(q.text()),
                                    tunedHybrid.apply(q), frozenDocVectors::get, blend);
                            String name = blend == 1.0 ? "tuned hybrid + case selector" : "  selector blended 0.5";
                            table.add(EvaluationReport.evaluate(name, split.heldOut(), data.qrels(), selected));
                            fit.add(EvaluationReport.evaluate(name, split.feedback(), data.qrels(), selected));
                        }
                    }
                }

                say("");
                say("Held-out queries (never seen in feedback):");
                say(EvaluationReport.header());
                table.forEach(r -> say(r.tableRow()));

                say("");
                say("Fit: the feedback queries themselves (recurring tasks):");
                say(EvaluationReport.header());
                fit.forEach(r -> say(r.tableRow()));

                double frozenHeldOut = table.get(1).meanNdcgAt10();
                say("");
                say("Gain of tuned (query-side) over frozen MiniLM on held-out nDCG@10: %+.2f points (aim: +5)",
                        100 * (tunedDenseReport.meanNdcgAt10() - frozenHeldOut));
                learningCurve(encoder, base, store, episodes, feedback, split, frozenHeldOut, tunedDenseReport);
            }
        } finally {
            deleteTree(dir);
        }
    }

    private EvaluationReport symmetric(TextEncoder encoder, TuningConfig base, List<TrainingExample> examples,
            QuerySplit split, Path dir) throws IOException {
        TuningConfig config = base.toBuilder().mode(TuningMode.SYMMETRIC)
                .epochs(Integer.parseInt(arg("symmetric-epochs", "1")))
                .batchSize(Integer.parseInt(arg("symmetric-batch", "16"))).build();
        PeakMemory memory = PeakMemory.reset();
        TuningRound round = new ContrastiveTrainer(encoder, config).train(TENANT, examples, List.of(), null,
                progress("symmetric"));
        endProgress();
        try (TenantAdapter adapter = round.adapter();
                LuceneCaseStore store = LuceneCaseStore.open(dir.resolve("symmetric"), CaseStoreConfig.defaults())) {
            Embedder tuned = adapter.embedder(encoder);
            long t = System.nanoTime();
            index(store, tuned, new HashMap<>());
            say("symmetric round: %d steps, %.1f s, loss %.3f -> %.3f; re-embedding %d cases %.1f s; peak RSS %s",
                    round.steps(), round.elapsed().toMillis() / 1e3, round.meanLossOfFirst(0.1),
                    round.meanLossOfLast(0.1), data.docs().size(), secs(t), memory.peak());
            return EvaluationReport.evaluate("tuned (symmetric)", split.heldOut(), data.qrels(), dense(store, tuned));
        }
    }

    /** The case selector Q(s, c) trained on the feedback's judged recalls (it re-ranks the top 20). */
    private CaseSelector trainSelector(FeedbackExamples feedback, List<Episode> episodes, LuceneCaseStore store,
            TunedEmbedder tuned) {
        List<JudgedRecall> judged = feedback.judgedRecalls(episodes, id -> store.get(TENANT, id));
        Map<String, float[]> taskVectors = new HashMap<>();
        List<String> tasks = judged.stream().map(JudgedRecall::task).distinct().toList();
        List<float[]> embedded = tuned.embedQueries(tasks);
        for (int i = 0; i < tasks.size(); i++) {
            taskVectors.put(tasks.get(i), embedded.get(i));
        }
        List<SelectorExample> examples = new ArrayList<>();
        for (JudgedRecall j : judged) {
            examples.add(new SelectorExample(taskVectors.get(j.task()), frozenDocVectors.get(j.recalled().caseId()),
                    j.useful()));
        }
        long t = System.nanoTime();
        CaseSelector selector = CaseSelector.create(tuned.dimension(), SelectorConfig.defaults());
        double loss = selector.fit(examples);
        long useful = examples.stream().filter(SelectorExample::useful).count();
        say("case selector: %d judged recalls (%d useful), trained in %.1f s, last-epoch loss %.3f",
                examples.size(), useful, secs(t), loss);
        return selector;
    }

    private void learningCurve(TextEncoder encoder, TuningConfig base, LuceneCaseStore store, List<Episode> episodes,
            FeedbackExamples feedback, QuerySplit split, double frozenHeldOut, EvaluationReport full) {
        String curve = arg("curve", "0.25,0.5");
        if (curve.isBlank() || curve.equals("none")) {
            return;
        }
        say("");
        say("Learning curve (query-side, held-out nDCG@10 gain over frozen MiniLM %.4f):", frozenHeldOut);
        say("%-18s %9s %8s %9s %7s", "feedback queries", "examples", "nDCG@10", "gain", "round s");
        for (String f : curve.split(",")) {
            int n = (int) Math.round(Double.parseDouble(f) * episodes.size());
            List<TrainingExample> examples = feedback.trainingExamples(episodes.subList(0, n), id -> store.get(TENANT, id));
            TuningRound round = new ContrastiveTrainer(encoder, base).withBaseCaseVectors(frozenDocVectors::get)
                    .train(TENANT, examples, List.of(), null, progress("curve " + n));
            endProgress();
            try (TenantAdapter adapter = round.adapter()) {
                EvaluationReport r = EvaluationReport.evaluate("curve", split.heldOut(), data.qrels(),
                        dense(store, adapter.embedder(encoder)));
                say("%-18d %9d %8.4f %+8.2f %7.1f", n, examples.size(), r.meanNdcgAt10(),
                        100 * (r.meanNdcgAt10() - frozenHeldOut), round.elapsed().toMillis() / 1e3);
            }
        }
        say("%-18d %9s %8.4f %+8.2f", episodes.size(), "all", full.meanNdcgAt10(),
                100 * (full.meanNdcgAt10() - frozenHeldOut));
    }

    private List<Episode> simulateFeedback(List<Query> queries, Function<Query, List<String>> served, int k) {
        List<Episode> episodes = new ArrayList<>();
        for (Query q : queries) {
            List<String> top = served.apply(q);
            top = top.subList(0, Math.min(k, top.size()));
            Map<String, Integer> gains = data.qrels().judged(q.id());
            List<Judgement> judgements = new ArrayList<>();
            int useful = 0;
            for (int r = 0; r < top.size(); r++) {
                boolean relevant = gains.getOrDefault(top.get(r), 0) > 0;
                useful += relevant ? 1 : 0;
                judgements.add(new Judgement(top.get(r), r + 1, relevant));
            }
            episodes.add(new Episode("feedback-" + q.id(), TENANT, "simulator", T0, q.text(), "", "",
                    useful > 0 ? 1.0 : 0.0, judgements));
        }
        return episodes;
    }

    /** Each document becomes a case: task = title, plan = abstract. */
    private void index(LuceneCaseStore store, Embedder embedder, Map<String, float[]> vectorsOut) {
        List<Document> docs = data.docs();
        List<String> texts = docs.stream().map(d -> dev.engram.memory.Case.text(title(d), d.text(), "")).toList();
        List<float[]> vectors = embedder.embedDocuments(texts);
        for (int i = 0; i < docs.size(); i++) {
            Document d = docs.get(i);
            store.ingest(new Episode(d.id(), TENANT, "cranfield", T0, title(d), d.text(), "", 1.0, List.of()),
                    vectors.get(i));
            vectorsOut.put(d.id(), vectors.get(i));
        }
        store.commit();
    }

    private static String title(Document d) {
        return d.title().isBlank() ? "untitled " + d.id() : d.title();
    }

    private static Function<Query, List<String>> dense(LuceneCaseStore store, Embedder embedder) {
        return q -> ids(store.recall(RecallQuery.dense(TENANT, q.text(), embedder.embedQuery(q.text()), 100)).ranked());
    }

    private static Function<Query, List<String>> hybrid(LuceneCaseStore store, Embedder embedder) {
        return q -> ids(store.recall(RecallQuery.hybrid(TENANT, q.text(), embedder.embedQuery(q.text()), 100)).ranked());
    }

    private static List<String> ids(List<ScoredCase> ranked) {
        return ranked.stream().map(s -> s.match().caseId()).toList();
    }

    private dev.engram.retriever.tuning.TuningListener progress(String name) {
        long[] last = {0};
        return p -> {
            long now = System.currentTimeMillis();
            if (now - last[0] < 1000 && !p.phase().equals("done")) {
                return;
            }
            last[0] = now;
            int width = 30;
            int filled = (int) Math.round(p.fraction() * width);
            System.err.printf(Locale.ROOT, "\r%-12s %-16s [%s%s] %d/%d loss %.3f eta %ds   ", name, p.phase(),
                    "#".repeat(filled), ".".repeat(width - filled), p.step(), p.totalSteps(), p.loss(),
                    p.eta().toSeconds());
        };
    }

    private static void endProgress() {
        System.err.println();
    }

    private void say(String format, Object... values) {
        String line = values.length == 0 ? format : String.format(Locale.ROOT, format, values);
        System.out.println(line);
        report.add(line);
    }

    private static double secs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Peak resident memory of the process (libtorch's native memory included), from /proc. */
    private static final class PeakMemory {
        /** Resets the kernel's high-water mark (Linux: "5" into clear_refs) so that the peak is this phase's. */
        static PeakMemory reset() {
            try {
                Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            } catch (IOException | RuntimeException e) {
                // not on Linux: the peak is the process's
            }
            return new PeakMemory();
        }

        String peak() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmHWM:")) {
                        long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                        return String.format(Locale.ROOT, "%.2f GiB", kb / 1024.0 / 1024.0);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not on Linux
            }
            Runtime rt = Runtime.getRuntime();
            return String.format(Locale.ROOT, "heap %.2f GiB", (rt.totalMemory() - rt.freeMemory()) / 1024.0 / 1024 / 1024);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
