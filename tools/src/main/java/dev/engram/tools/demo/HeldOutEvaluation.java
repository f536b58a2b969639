package dev.engram.tools.demo;

import dev.engram.retriever.eval.EvaluationReport;
import dev.engram.retriever.eval.Qrels;
import dev.engram.retriever.eval.Query;
import dev.engram.tools.internal.ProgressBar;
import dev.engram.tools.simulator.NodeRecall;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Scores what a node recalls for judged queries, through its HTTP API, in one recall mode. Only
 * the Cranfield abstracts are ranked: the episodes the simulated agents sent into the same memory
 * (their tasks are feedback queries) are skipped, as they are not documents of the collection.
 */
final class HeldOutEvaluation {

    /**
     * A report and the adapter versions that embedded its queries (one, unless a swap happened mid-way).
     */
    record Scored(EvaluationReport report, String adapterVersions) {}

    private final NodeRecall recall;
    private final String tenant;
    private final Qrels qrels;
    private final int k;
    private final PrintStream out;
    private final boolean progressBars;

    HeldOutEvaluation(NodeRecall recall, String tenant, Qrels qrels, int k, PrintStream out, boolean progressBars) {
        this.recall = recall;
        this.tenant = tenant;
        this.qrels = qrels;
        this.k = k;
        this.out = out;
        this.progressBars = progressBars;
    }

    /** Recalls every query in {@code mode} ({@code bm25}, {@code dense}, {@code hybrid}) and scores the rankings. */
    Scored evaluate(String system, String mode, List<Query> queries) {
        ProgressBar bar = new ProgressBar(out, mode, queries.size(), progressBars);
        Map<String, List<String>> rankings = new HashMap<>();
        TreeSet<String> versions = new TreeSet<>();
        for (int i = 0; i < queries.size(); i++) {
            Query q = queries.get(i);
            NodeRecall.Ranking ranking = recall.recall(tenant, q.text(), k, mode);
            versions.add(ranking.adapterVersion());
            List<String> docIds = new ArrayList<>(ranking.caseIds().size());
            for (String caseId : ranking.caseIds()) {
                if (caseId.startsWith(CranfieldEvents.EVENT_ID_PREFIX)) {
                    docIds.add(CranfieldEvents.docId(caseId));
                }
            }
            rankings.put(q.id(), docIds);
            bar.update(i + 1);
        }
        EvaluationReport report = EvaluationReport.evaluate(system, queries, qrels, q -> rankings.get(q.id()));
        String adapters = String.join("+", versions);
        bar.finish(queries.size(), String.format(Locale.ROOT, "nDCG@10 %.4f  (%s)", report.meanNdcgAt10(), adapters));
        return new Scored(report, adapters);
    }
}
