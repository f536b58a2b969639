package dev.engram.tools.demo;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.EvaluationReport;
import dev.engram.retriever.eval.Query;
import dev.engram.retriever.eval.QuerySplit;
import dev.engram.tools.internal.ProgressBar;
import dev.engram.tools.simulator.NodeRecall;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Engram's main job on the Cranfield collection, end to end: starts a node (and the embedded
 * broker unless a cluster is named), sends the 1,400 abstracts through {@code engram.feedback} as
 * feedback events ({@link CranfieldEvents}), waits until every one is searchable, recalls the top
 * {@code k} cases for each of the 225 queries through the node's HTTP API, and prints BM25
 * nDCG@10, recall@10, recall@100 and MRR@10 against the judgements, with timings.
 *
 * <pre>{@code
 * new CranfieldDemo(DemoOptions.defaults(), System.out).run();   // what `engram demo` does
 * }</pre>
 *
 * <p>Reruns on the same data directory are idempotent: the event ids are fixed, so the node keeps
 * one case per abstract however often they are sent.
 */
public final class CranfieldDemo implements Runnable {

    /** The seeds of the two held-out splits printed beside the all-queries figures. */
    static final long[] HELD_OUT_SEEDS = {1, 2};
    /** The share of judged queries used for feedback in those splits (the rest is held out). */
    static final double FEEDBACK_FRACTION = 0.6;

    private final DemoOptions options;
    private final PrintStream out;

    public CranfieldDemo(DemoOptions options, PrintStream out) {
        this.options = Objects.requireNonNull(options, "options is required");
        this.out = Objects.requireNonNull(out, "out is required");
    }

    /**
     * Runs the demo and prints its figures.
     *
     * @throws IllegalStateException when the node does not start, an event is not acknowledged, the
     *     abstracts are not all searchable within {@link DemoOptions#ingestTimeout()}, or a recall fails
     */
    @Override
    public void run() {
        execute();
    }

    /** Runs the demo, prints its figures and returns them. */
    public DemoResult execute() {
        return execute(node -> {});
    }

    /**
     * As {@link #execute()}, and before the node stops hands it to {@code whileUp} (e.g. a
     * {@link ConsoleHold}).
     */
    public DemoResult execute(java.util.function.Consumer<EngramNode> whileUp) {
        long started = System.nanoTime();
        EvalDataset cranfield = CranfieldLoader.load();
        out.println();
        out.println(
                "Engram demo: the Cranfield collection through Kafka into a node, then BM25 recall against the judgements");
        out.printf(
                Locale.ROOT,
                "  collection  %d abstracts, %d queries, %d graded judgements (grades 1..4 scored as gains 4..1)%n",
                cranfield.docs().size(),
                cranfield.queries().size(),
                cranfield.qrels().judgementCount());

        NodeConfig config = NodeConfig.builder(options.dataDir())
                .bootstrapServers(options.bootstrapServers())
                .httpPort(options.httpPort())
                .kafkaProperties(options.kafkaProperties())
                .build();
        long nodeStarting = System.nanoTime();
        try (EngramNode node = EngramNode.start(config)) {
            Duration nodeStart = since(nodeStarting);
            out.printf(
                    Locale.ROOT,
                    "  node        up in %.1f s: Kafka %s (%s), HTTP %s, data %s%n",
                    seconds(nodeStart),
                    node.bootstrapServers(),
                    options.bootstrapServers() == null ? "embedded" : "external",
                    node.httpUrl(),
                    options.dataDir().toAbsolutePath().normalize());

            long firstSend = System.nanoTime();
            CaseSeeder seeder = new CaseSeeder(out, options.progressBars());
            Duration produce = seeder.produce(node.kafka(), CranfieldEvents.TENANT, cranfield.docs());
            seeder.awaitSearchable(
                    node, CranfieldEvents.TENANT, cranfield.docs().size(), options.ingestTimeout(), "index");
            Duration searchable = since(firstSend);

            Map<String, List<String>> rankings = new HashMap<>();
            double[] latencies = recallAll(NodeRecall.of(node), cranfield.queries(), rankings);
            Duration recall = Duration.ofNanos((long) (Arrays.stream(latencies).sum() * 1e6));

            EvaluationReport all = EvaluationReport.evaluate(
                    "BM25, all queries", cranfield.queries(), cranfield.qrels(), q -> rankings.get(q.id()));
            List<EvaluationReport> heldOut = new ArrayList<>();
            for (long seed : HELD_OUT_SEEDS) {
                QuerySplit split = QuerySplit.split(cranfield, FEEDBACK_FRACTION, seed);
                heldOut.add(EvaluationReport.evaluate(
                        "BM25, held-out 40% (seed " + seed + ")",
                        split.heldOut(),
                        cranfield.qrels(),
                        q -> rankings.get(q.id())));
            }
            Arrays.sort(latencies);
            DemoResult result = new DemoResult(
                    all,
                    heldOut,
                    cranfield.docs().size(),
                    nodeStart,
                    produce,
                    searchable,
                    recall,
                    percentile(latencies, 50),
                    percentile(latencies, 99),
                    since(started));
            print(result);
            whileUp.accept(node);
            return result;
        }
    }

    private double[] recallAll(NodeRecall client, List<Query> queries, Map<String, List<String>> rankings) {
        ProgressBar bar = new ProgressBar(out, "recall", queries.size(), options.progressBars());
        double[] latencies = new double[queries.size()];
        for (int i = 0; i < queries.size(); i++) {
            Query query = queries.get(i);
            long t = System.nanoTime();
            List<String> caseIds = client.rankedCaseIds(CranfieldEvents.TENANT, query.text(), options.k());
            latencies[i] = (System.nanoTime() - t) / 1e6;
            List<String> docIds = new ArrayList<>(caseIds.size());
            for (String caseId : caseIds) {
                docIds.add(caseId.startsWith(CranfieldEvents.EVENT_ID_PREFIX) ? CranfieldEvents.docId(caseId) : caseId);
            }
            rankings.put(query.id(), docIds);
            bar.update(i + 1);
        }
        double[] sorted = latencies.clone();
        Arrays.sort(sorted);
        bar.finish(
                queries.size(),
                String.format(
                        Locale.ROOT,
                        "k=%d over HTTP, p50 %.1f ms, p99 %.1f ms",
                        options.k(),
                        percentile(sorted, 50),
                        percentile(sorted, 99)));
        return latencies;
    }

    private void print(DemoResult r) {
        out.println();
        out.printf(
                Locale.ROOT,
                "  BM25 recall through the node (tenant '%s', k = %d, %d abstracts)%n",
                CranfieldEvents.TENANT,
                options.k(),
                r.documents());
        out.println("  " + EvaluationReport.header());
        out.println("  " + r.allQueries().tableRow());
        r.heldOut().forEach(h -> out.println("  " + h.tableRow()));
        out.println("  reference (DESIGN.md, measured outside the project): BM25 on held-out 40%, nDCG@10 .36-.37");
        out.println();
        out.printf(
                Locale.ROOT,
                "  done in %.1f s: node start %.1f s, produce %.1f s, all searchable %.1f s after the "
                        + "first send, %d recalls %.1f s%n",
                seconds(r.total()),
                seconds(r.nodeStart()),
                seconds(r.produce()),
                seconds(r.searchable()),
                r.allQueries().queryCount(),
                seconds(r.recall()));
        out.flush();
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
