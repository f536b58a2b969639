package dev.engram.bench;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.NodeConfigBuilder;
import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.EvaluationReport;
import dev.engram.retriever.eval.Query;
import dev.engram.retriever.eval.QuerySplit;
import dev.engram.retriever.tuning.ContrastiveTrainer;
import dev.engram.retriever.tuning.FeedbackExamples;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.retriever.tuning.TrainingExample;
import dev.engram.retriever.tuning.TuningConfig;
import dev.engram.retriever.tuning.TuningListener;
import dev.engram.retriever.tuning.TuningRound;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import dev.engram.tools.demo.CranfieldEvents;
import dev.engram.tools.simulator.FeedbackSimulator;
import dev.engram.tools.simulator.NodeRecall;
import dev.engram.tools.simulator.SimulationResult;
import dev.engram.tools.simulator.SimulatorConfig;
import dev.engram.tools.simulator.StreamFeedback;
import dev.engram.tools.simulator.StreamFeedbackReader;
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
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Feedback tuning driven by the stream: starts a node on the embedded broker, seeds the Cranfield
 * abstracts through {@code engram.feedback}, runs the {@link FeedbackSimulator} over the node's HTTP
 * API for the feedback queries of a seeded split, reads the simulated events back from the topic
 * ({@link StreamFeedbackReader}), builds training examples from them ({@link FeedbackExamples}),
 * trains a query-side adapter ({@link ContrastiveTrainer}) and prints held-out nDCG@10 of frozen vs
 * tuned MiniLM dense retrieval (exact cosine over the case embeddings, ranked in this process).
 *
 * <p>The node recalls with BM25 only (no embedder) unless {@code --minilm-node} is given: the
 * simulated agents then judge what BM25 served, and the case embeddings are computed once here.
 *
 * <pre>
 * BENCH_NO_BUILD=1 bench/run StreamFeedbackBench [--seed 42] [--feedback-fraction 0.6] [--k 20]
 *     [--max-length 256] [--epochs N] [--minilm-node] [--no-train]
 * </pre>
 */
public final class StreamFeedbackBench {

    private static final String TENANT = CranfieldEvents.TENANT;

    private final Map<String, String> args;

    private StreamFeedbackBench(Map<String, String> args) {
        this.args = args;
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + argv[i] + "; options start with --");
            }
            String key = argv[i].substring(2);
            boolean flag = key.startsWith("no-") || key.equals("minilm-node");
            args.put(key, flag ? "true" : argv[++i]);
        }
        new StreamFeedbackBench(args).run();
        System.exit(0);
    }

    private String arg(String key, String dflt) {
        return args.getOrDefault(key, dflt);
    }

    private void run() throws Exception {
        long seed = Long.parseLong(arg("seed", "42"));
        double fraction = Double.parseDouble(arg("feedback-fraction", "0.6"));
        int k = Integer.parseInt(arg("k", "20"));
        int maxLength = Integer.parseInt(arg("max-length", "256"));
        boolean minilmNode = args.containsKey("minilm-node");
        EvalDataset data = CranfieldLoader.load();
        QuerySplit split = QuerySplit.split(data, fraction, seed);
        say(
                "Cranfield: %d documents, %d judged queries -> %d feedback / %d held out (seed %d)",
                data.docs().size(),
                data.judgedQueries().size(),
                split.feedback().size(),
                split.heldOut().size(),
                seed);

        Path dir = Files.createTempDirectory("engram-stream-feedback-bench");
        long t = System.nanoTime();
        try (TextEncoder encoder = TextEncoder.load(
                EncoderConfig.custom().maxLength(maxLength).batchSize(32).build())) {
            say("MiniLM loaded in %.1f s (max %d word pieces)", secs(t), maxLength);
            NodeConfigBuilder config = NodeConfig.builder(dir.resolve("node")).httpPort(0);
            if (minilmNode) {
                config.embedder(encoder);
            }
            t = System.nanoTime();
            try (EngramNode node = EngramNode.start(config.build())) {
                CaseStore store = node.store();
                say(
                        "node up in %.1f s: embedded Kafka %s, HTTP %s, recall %s",
                        secs(t),
                        node.bootstrapServers(),
                        node.httpUrl(),
                        minilmNode ? "hybrid (BM25 + MiniLM)" : "BM25 only");

                t = System.nanoTime();
                seed(node.bootstrapServers(), data.docs());
                await(
                        "the abstracts to be searchable",
                        () -> store.count(TENANT),
                        data.docs().size());
                say(
                        "seeded %d abstracts through %s, all searchable in %.1f s",
                        data.docs().size(), Topics.FEEDBACK, secs(t));

                t = System.nanoTime();
                SimulatorConfig simConfig = SimulatorConfig.cranfield(TENANT, k);
                SimulationResult sent = new FeedbackSimulator(NodeRecall.of(node), node.bootstrapServers(), simConfig)
                        .run(split.feedback(), data.qrels());
                say(
                        "simulator: %d events sent (%d rewarded), %d judgements, %d useful, in %.1f s (recall top %d over HTTP)",
                        sent.eventsSent(),
                        sent.rewardedEvents(),
                        sent.judgements(),
                        sent.usefulJudgements(),
                        secs(t),
                        k);
                long expected = data.docs().size() + (long) sent.eventsSent();
                await("the simulated events to be ingested", () -> store.count(TENANT), expected);
                long recalled = store.cases(TENANT).stream()
                        .mapToLong(Case::timesRecalled)
                        .sum();
                long usefulStat = store.cases(TENANT).stream()
                        .mapToLong(Case::timesUseful)
                        .sum();
                say(
                        "node ingested: %d simulated cases; case stats timesRecalled %d, timesUseful %d",
                        store.count(TENANT) - data.docs().size(), recalled, usefulStat);

                t = System.nanoTime();
                StreamFeedback read =
                        new StreamFeedbackReader(node.bootstrapServers()).read(TENANT, simConfig.eventIdPrefix());
                List<Episode> episodes = read.episodes();
                say(
                        "stream: %d episodes read back from %s (%d records scanned, %d duplicates, %d undecodable) in %.1f s",
                        episodes.size(),
                        Topics.FEEDBACK,
                        read.recordsScanned(),
                        read.duplicates(),
                        read.undecodable(),
                        secs(t));

                FeedbackExamples feedback =
                        FeedbackExamples.builder().maxHardNegatives(4).build();
                List<TrainingExample> examples = feedback.trainingExamples(episodes, id -> store.get(TENANT, id));
                long negatives = examples.stream()
                        .mapToLong(e -> e.hardNegatives().size())
                        .sum();
                say(
                        "examples: %d (task, useful case) pairs, %.1f hard negatives each, %d judgements skipped",
                        examples.size(),
                        (double) negatives / Math.max(1, examples.size()),
                        feedback.skippedJudgements());
                if (args.containsKey("no-train")) {
                    return;
                }
                train(encoder, store, data, split, examples, seed);
            }
        } finally {
            deleteTree(dir);
        }
    }

    private void train(
            TextEncoder encoder,
            CaseStore store,
            EvalDataset data,
            QuerySplit split,
            List<TrainingExample> examples,
            long seed) {
        long t = System.nanoTime();
        List<Case> cases = store.cases(TENANT).stream()
                .filter(c -> c.caseId().startsWith(CranfieldEvents.EVENT_ID_PREFIX))
                .toList();
        List<float[]> vectors =
                encoder.embedDocuments(cases.stream().map(Case::text).toList());
        Map<String, float[]> caseVectors = new HashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            caseVectors.put(cases.get(i).caseId(), unit(vectors.get(i)));
        }
        say("embedded %d case texts with frozen MiniLM in %.1f s", cases.size(), secs(t));

        TuningConfig.Builder tuning = TuningConfig.defaults().toBuilder().seed(seed);
        if (args.containsKey("epochs")) {
            tuning.epochs(Integer.parseInt(args.get("epochs")));
        }
        TuningConfig config = tuning.build();
        t = System.nanoTime();
        TuningRound round = new ContrastiveTrainer(encoder, config)
                .withBaseCaseVectors(caseVectors::get)
                .train(TENANT, examples, List.of(), null, TuningListener.NONE);
        say(
                "query-side round: %d examples, %d steps, %d epochs, %.1f s, loss %.3f -> %.3f",
                examples.size(),
                round.steps(),
                config.epochs(),
                secs(t),
                round.meanLossOfFirst(0.1),
                round.meanLossOfLast(0.1));
        try (TenantAdapter adapter = round.adapter()) {
            Embedder tuned = adapter.embedder(encoder);
            EvaluationReport frozen = EvaluationReport.evaluate(
                    "frozen MiniLM (dense)", split.heldOut(), data.qrels(), dense(encoder, caseVectors));
            EvaluationReport tunedReport = EvaluationReport.evaluate(
                    "tuned query-side (dense)", split.heldOut(), data.qrels(), dense(tuned, caseVectors));
            say("");
            say("Held-out queries (never in the feedback):");
            say(EvaluationReport.header());
            say(frozen.tableRow());
            say(tunedReport.tableRow());
            say(
                    "held-out nDCG@10: frozen %.4f, tuned %.4f (%+.2f points)",
                    frozen.meanNdcgAt10(),
                    tunedReport.meanNdcgAt10(),
                    100 * (tunedReport.meanNdcgAt10() - frozen.meanNdcgAt10()));
        }
    }

    /** Exact cosine ranking of the Cranfield cases, as document ids (what the qrels judge). */
    private static Function<Query, List<String>> dense(Embedder embedder, Map<String, float[]> caseVectors) {
        return q -> {
            float[] qv = unit(embedder.embedQuery(q.text()));
            List<Map.Entry<String, Double>> scored = new ArrayList<>();
            caseVectors.forEach((id, v) -> {
                double dot = 0;
                for (int i = 0; i < v.length; i++) {
                    dot += qv[i] * v[i];
                }
                scored.add(Map.entry(id, dot));
            });
            scored.sort(Map.Entry.<String, Double>comparingByValue().reversed());
            return scored.stream()
                    .limit(100)
                    .map(e -> CranfieldEvents.docId(e.getKey()))
                    .toList();
        };
    }

    private static float[] unit(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        float inv = (float) (1 / Math.sqrt(Math.max(norm, 1e-24)));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }

    private static void seed(String bootstrap, List<Document> docs) {
        Instant now = Instant.now();
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {
            for (Document d : docs) {
                FeedbackEvent e = CranfieldEvents.event(d, now);
                producer.send(new ProducerRecord<>(Topics.FEEDBACK, e.tenant(), EventCodec.encode(e)));
            }
            producer.flush();
        }
    }

    private static void await(String what, LongSupplier count, long expected) {
        long deadline = System.nanoTime() + 10L * 60 * 1_000_000_000L;
        while (count.getAsLong() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "timed out waiting for " + what + ": " + count.getAsLong() + " of " + expected);
            }
            LockSupport.parkNanos(100_000_000L);
        }
    }

    private static void say(String format, Object... values) {
        System.out.println(values.length == 0 ? format : String.format(Locale.ROOT, format, values));
        System.out.flush();
    }

    private static double secs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
