package dev.engram.tools.demo;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.registry.PromotionGate;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.EvaluationReport;
import dev.engram.retriever.eval.Query;
import dev.engram.retriever.eval.QuerySplit;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.tools.LocalEngram;
import dev.engram.tools.simulator.FeedbackSimulator;
import dev.engram.tools.simulator.NodeRecall;
import dev.engram.tools.simulator.SimulationResult;
import dev.engram.tools.simulator.SimulatorConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Engram's whole loop on the Cranfield collection, on one node with the embedded broker: seeds the
 * 1,400 abstracts through {@code engram.feedback} (embedded by MiniLM on ingest), splits the judged
 * queries into feedback (60 %) and held-out (40 %), then replays the feedback queries as a live
 * stream in {@link DemoOptions#rounds()} slices, one round each: new tasks arrive every round. The
 * simulated agents recall through the node with whatever adapter serves by then, judge what they
 * got by the Cranfield judgements and send their feedback; the node's
 * scheduler starts a training job, its worker trains a query-side LoRA candidate from the parent
 * adapter and scores it on the job's held-out feedback; the node's gate promotes or rejects it and
 * hot-swaps a promoted one. After each promoted version the demo scores dense and hybrid recall on
 * the held-out queries, which no round ever saw.
 *
 * <pre>{@code
 * LoopResult r = new ContinualDemo(DemoOptions.defaults(), System.out).execute();   // `engram demo`
 * }</pre>
 *
 * <p>Each run uses a fresh directory under {@link DemoOptions#dataDir()} (deleted after a successful
 * run) so that earlier runs' adapters and feedback do not leak in; on an external cluster
 * ({@code --bootstrap}) the tenant gets a run suffix for the same reason.
 */
public final class ContinualDemo implements Runnable {

    /** Share of the judged queries replayed as feedback; the rest is held out. */
    static final double FEEDBACK_FRACTION = 0.6;
    /** How many cases a simulated agent recalls and judges per task. */
    static final int FEEDBACK_K = 20;
    /**
     * The adapter each round trains: query-side LoRA r 8 on query/value, 4 epochs (the tuning defaults),
     * with documents read to 256 word pieces like the node's encoder, so that the query tower is trained
     * against the document vectors the node serves.
     */
    static final LoraTrainingConfig LORA =
            new LoraTrainingConfig(8, 16, 0.1, List.of("query", "value"), false, false, 4, 32, 5e-4, 42, 256);

    /**
     * The demo node's promotion gate: the node's default ({@link PromotionGate#defaults()}), so the
     * demo shows what a node serves. The gate measures each candidate itself on every task held out
     * so far (paired per task) and promotes when the 95% interval of the mean gain stays above -1 point.
     */
    static final PromotionGate GATE = PromotionGate.defaults();

    private final DemoOptions options;
    private final PrintStream out;
    private final EvalDataset dataset;
    private final LoraTrainingConfig lora;
    private final PromotionGate gate;

    /** The demo on the whole Cranfield collection with the demo's training settings. */
    public ContinualDemo(DemoOptions options, PrintStream out) {
        this(options, out, CranfieldLoader.load(), LORA, GATE);
    }

    /** The demo on {@code dataset} (Cranfield-style document ids) training {@code lora}: for tests on a slice. */
    ContinualDemo(
            DemoOptions options, PrintStream out, EvalDataset dataset, LoraTrainingConfig lora, PromotionGate gate) {
        this.options = Objects.requireNonNull(options, "options is required");
        this.out = Objects.requireNonNull(out, "out is required");
        this.dataset = Objects.requireNonNull(dataset, "dataset is required");
        this.lora = Objects.requireNonNull(lora, "lora is required");
        this.gate = Objects.requireNonNull(gate, "gate is required");
        if (options.rounds() < 1) {
            throw new IllegalArgumentException("the continual demo needs rounds >= 1, was " + options.rounds()
                    + " (rounds 0 is the BM25-only CranfieldDemo)");
        }
    }

    @Override
    public void run() {
        execute();
    }

    /** Runs the loop, prints what happens and returns the figures. */
    public LoopResult execute() {
        return execute(null);
    }

    /**
     * As {@link #execute()}, and once the summary is printed hands the node, still up, to
     * {@code whileUp} (e.g. a {@link ConsoleHold}); null for none.
     */
    public LoopResult execute(java.util.function.Consumer<EngramNode> whileUp) {
        long started = System.nanoTime();
        EvalDataset cranfield = dataset;
        QuerySplit split = QuerySplit.split(cranfield, FEEDBACK_FRACTION, options.splitSeed());
        List<List<Query>> slices = slices(split.feedback(), options.rounds());
        String runId = Long.toString(System.currentTimeMillis(), 36);
        String tenant =
                options.bootstrapServers() == null ? CranfieldEvents.TENANT : CranfieldEvents.TENANT + "-" + runId;
        Path runDir = options.dataDir().resolve("loop-" + runId);

        out.println();
        out.println("Engram demo: the continual loop on Cranfield, feedback -> training -> gate -> hot-swap");
        out.printf(
                Locale.ROOT,
                "  collection  %d abstracts; %d judged queries split (seed %d) into %d feedback queries "
                        + "in %d rounds and %d held-out queries that no round sees%n",
                cranfield.docs().size(),
                split.feedback().size() + split.heldOut().size(),
                options.splitSeed(),
                split.feedback().size(),
                slices.size(),
                split.heldOut().size());
        out.printf(
                Locale.ROOT,
                "  training    query-side LoRA r %d alpha %.0f on %s, %d epochs, batch %d, lr %.0e; "
                        + "agents judge their top %d%n",
                lora.r(),
                lora.alpha(),
                lora.targetModules(),
                lora.epochs(),
                lora.batchSize(),
                lora.learningRate(),
                FEEDBACK_K);
        out.printf(
                Locale.ROOT,
                "  gate        the node's own paired test on every held-out task: promote when the mean "
                        + "nDCG@10 gain >= %+.1f points and its 95%% interval's lower bound >= %+.1f points%n",
                100 * gate.minHeldOutGain(),
                -100 * gate.maxHeldOutLoss());

        long t = System.nanoTime();
        TextEncoder encoder = TextEncoder.load(EncoderConfig.defaults());
        out.printf(
                Locale.ROOT, "  encoder     MiniLM-L6 loaded in %.1f s (from its Maven artifact, offline)%n", since(t));
        TuningSchedulerConfig tuning = TuningSchedulerConfig.builder()
                .minNewJudged(slices.stream().mapToInt(List::size).min().orElse(1))
                .maxInterval(Duration.ofDays(1))
                .tickInterval(Duration.ofSeconds(1))
                .lora(lora)
                .inNodeWorker(true)
                .build();
        NodeConfig config = NodeConfig.builder(runDir)
                .bootstrapServers(options.bootstrapServers())
                .httpPort(options.httpPort())
                .embedder(encoder)
                .tuning(tuning)
                .promotionGate(gate)
                .kafkaProperties(options.kafkaProperties())
                .build();
        LoopResult result;
        t = System.nanoTime();
        try (encoder;
                LocalEngram local = LocalEngram.start(config);
                RoundWatcher watcher = new RoundWatcher(local.node(), tenant, out, options.progressBars())) {
            EngramNode node = local.node();
            out.printf(
                    Locale.ROOT,
                    "  node        up in %.1f s: Kafka %s (%s), HTTP %s, tenant '%s', in-node worker%n",
                    since(t),
                    node.bootstrapServers(),
                    options.bootstrapServers() == null ? "embedded" : "external",
                    node.httpUrl(),
                    tenant);

            t = System.nanoTime();
            CaseSeeder seeder = new CaseSeeder(out, options.progressBars());
            seeder.produce(node.kafka(), tenant, cranfield.docs());
            seeder.awaitSearchable(node, tenant, cranfield.docs().size(), options.ingestTimeout(), "index");
            Duration searchable = Duration.ofNanos(System.nanoTime() - t);
            seeder.awaitVectors(node, tenant, cranfield.docs().size(), options.ingestTimeout(), "embed");
            Duration seeding = Duration.ofNanos(System.nanoTime() - t);

            HeldOutEvaluation eval = new HeldOutEvaluation(
                    NodeRecall.of(node), tenant, cranfield.qrels(), options.k(), out, options.progressBars());
            out.printf(
                    Locale.ROOT,
                    "%n  before any feedback, on the %d held-out queries:%n",
                    split.heldOut().size());
            EvaluationReport bm25 =
                    eval.evaluate("BM25", "bm25", split.heldOut()).report();
            EvaluationReport baseDense =
                    eval.evaluate("dense, base", "dense", split.heldOut()).report();
            EvaluationReport baseHybrid =
                    eval.evaluate("hybrid, base", "hybrid", split.heldOut()).report();

            List<RoundResult> rounds = new ArrayList<>();
            long cases = cranfield.docs().size();
            long lastVersion = watcher.newestVersion();
            for (int r = 1; r <= slices.size(); r++) {
                RoundResult round = round(
                        r,
                        slices,
                        node,
                        watcher,
                        seeder,
                        eval,
                        tenant,
                        cranfield,
                        split,
                        cases,
                        lastVersion,
                        baseDense,
                        baseHybrid);
                rounds.add(round);
                cases += round.feedbackQueries();
                lastVersion = round.version();
            }
            result = new LoopResult(
                    tenant,
                    cranfield.docs().size(),
                    split.feedback().size(),
                    split.heldOut().size(),
                    bm25,
                    baseDense,
                    baseHybrid,
                    rounds,
                    searchable,
                    seeding,
                    Duration.ofNanos(System.nanoTime() - started));
            if (whileUp != null) {
                summary(result);
                whileUp.accept(node);
            }
        }
        if (whileUp == null) {
            summary(result);
        }
        deleteTree(runDir);
        return result;
    }

    private RoundResult round(
            int r,
            List<List<Query>> slices,
            EngramNode node,
            RoundWatcher watcher,
            CaseSeeder seeder,
            HeldOutEvaluation eval,
            String tenant,
            EvalDataset cranfield,
            QuerySplit split,
            long casesBefore,
            long lastVersion,
            EvaluationReport baseDense,
            EvaluationReport baseHybrid) {
        long roundStart = System.nanoTime();
        List<Query> slice = slices.get(r - 1);
        out.printf(
                Locale.ROOT, "%n  round %d/%d: %d feedback queries as a live stream%n", r, slices.size(), slice.size());
        SimulatorConfig sim =
                new SimulatorConfig(tenant, FEEDBACK_K, "feedback-simulator", CranfieldEvents.EVENT_ID_PREFIX, r);
        long t = System.nanoTime();
        SimulationResult sent =
                new FeedbackSimulator(NodeRecall.of(node), node.kafka(), sim).run(slice, cranfield.qrels());
        out.printf(
                Locale.ROOT,
                "    agents   %d tasks recalled top %d through the node and sent %d feedback events "
                        + "(%d judgements, %d useful, %d rewarded) in %.1f s%n",
                slice.size(),
                FEEDBACK_K,
                sent.eventsSent(),
                sent.judgements(),
                sent.usefulJudgements(),
                sent.rewardedEvents(),
                since(t));
        seeder.awaitSearchable(node, tenant, casesBefore + sent.eventsSent(), options.ingestTimeout(), "ingest");
        seeder.awaitVectors(node, tenant, casesBefore + sent.eventsSent(), options.ingestTimeout(), "embed");

        RoundWatcher.Verdict verdict = watcher.awaitVerdict(lastVersion, options.roundTimeout());
        long version = verdict.version().version();
        AdapterMetrics m = verdict.version().metrics();
        out.printf(
                Locale.ROOT,
                "    gate     v%d %s after %.1f s: %s%n",
                version,
                verdict.version().status(),
                verdict.secondsToVerdict(),
                verdict.version().reason());
        EvaluationReport dense = null;
        EvaluationReport hybrid = null;
        String servedBy = null;
        double toServing = 0;
        if (verdict.version().status() == dev.engram.streams.AdapterStatus.PROMOTED) {
            toServing = watcher.awaitServing(version, Duration.ofMinutes(1));
            out.printf(
                    Locale.ROOT,
                    "    swap     recall serves v%d %.2f s after the verdict; held-out queries:%n",
                    version,
                    toServing);
            HeldOutEvaluation.Scored denseScored = eval.evaluate("dense, v" + version, "dense", split.heldOut());
            dense = denseScored.report();
            servedBy = denseScored.adapterVersions();
            hybrid = eval.evaluate("hybrid, v" + version, "hybrid", split.heldOut())
                    .report();
            out.printf(
                    Locale.ROOT,
                    "    held-out nDCG@10 with v%d: dense %.4f (%+.2f points vs base), hybrid %.4f " + "(%+.2f)%n",
                    version,
                    dense.meanNdcgAt10(),
                    100 * (dense.meanNdcgAt10() - baseDense.meanNdcgAt10()),
                    hybrid.meanNdcgAt10(),
                    100 * (hybrid.meanNdcgAt10() - baseHybrid.meanNdcgAt10()));
        }
        return new RoundResult(
                r,
                slice.size(),
                sent.usefulJudgements(),
                version,
                verdict.version().status(),
                verdict.version().reason(),
                m,
                dense,
                hybrid,
                servedBy,
                verdict.secondsToVerdict(),
                toServing,
                Duration.ofNanos(System.nanoTime() - roundStart));
    }

    private void summary(LoopResult r) {
        out.println();
        out.printf(
                Locale.ROOT,
                "  held-out nDCG@10 (%d queries never sent as feedback; BM25 %.4f)%n",
                r.heldOutQueries(),
                r.bm25().meanNdcgAt10());
        out.printf(
                Locale.ROOT,
                "  %-9s %-9s %-26s %-17s %-17s %s%n",
                "adapter",
                "status",
                "gate: gain, points (95%)",
                "dense",
                "hybrid",
                "round");
        out.printf(
                Locale.ROOT,
                "  %-9s %-9s %-26s %-17s %-17s %s%n",
                "base",
                "serving",
                "-",
                String.format(Locale.ROOT, "%.4f", r.baseDense().meanNdcgAt10()),
                String.format(Locale.ROOT, "%.4f", r.baseHybrid().meanNdcgAt10()),
                "-");
        for (RoundResult round : r.rounds()) {
            String gate = gateCell(round);
            out.printf(
                    Locale.ROOT,
                    "  %-9s %-9s %-26s %-17s %-17s %.0f s%n",
                    "v" + round.version(),
                    round.status().name(),
                    gate,
                    cell(round.dense(), r.baseDense()),
                    cell(round.hybrid(), r.baseHybrid()),
                    round.took().toNanos() / 1e9);
        }
        out.printf(
                Locale.ROOT,
                "%n  done in %.1f s (seeding: searchable by BM25 in %.1f s, every vector in %.1f s)%n",
                r.total().toNanos() / 1e9,
                r.searchable().toNanos() / 1e9,
                r.seeding().toNanos() / 1e9);
        out.flush();
    }

    /**
     * What the gate decided on: its own paired test (n, mean gain and interval in points) when the
     * node measured the candidate, else the job's held-out figures the worker published.
     */
    private static String gateCell(RoundResult round) {
        return GateFigures.in(round.reason()).map(GateFigures::cell).orElseGet(() -> {
            AdapterMetrics m = round.gateMetrics();
            return m == null
                    ? "-"
                    : String.format(
                            Locale.ROOT,
                            "%.3f vs %.3f (%d q)",
                            m.heldOutNdcg10(),
                            m.parentHeldOutNdcg10(),
                            m.heldOutQueries());
        });
    }

    private static String cell(EvaluationReport report, EvaluationReport base) {
        return report == null
                ? "-"
                : String.format(
                        Locale.ROOT,
                        "%.4f (%+.2f)",
                        report.meanNdcgAt10(),
                        100 * (report.meanNdcgAt10() - base.meanNdcgAt10()));
    }

    /** {@code queries} in {@code n} consecutive slices of near-equal size. */
    static List<List<Query>> slices(List<Query> queries, int n) {
        if (queries.size() < n) {
            throw new IllegalArgumentException(
                    n + " rounds need at least " + n + " feedback queries, there are " + queries.size());
        }
        List<List<Query>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(List.copyOf(queries.subList(i * queries.size() / n, (i + 1) * queries.size() / n)));
        }
        return out;
    }

    private static double since(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a left-over run directory is only disk space
        }
    }
}
