package dev.engram.tools.demo;

import dev.engram.retriever.eval.EvaluationReport;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The figures of one demo run.
 *
 * @param allQueries BM25 through the node on every judged Cranfield query (225)
 * @param heldOut the same rankings scored on the held-out 40% of two seeded splits, the reference
 *     points' protocol (DESIGN.md)
 * @param documents how many abstracts were sent
 * @param nodeStart starting the node (and the embedded broker)
 * @param produce sending every event until the broker acknowledged it
 * @param searchable from the first send until every abstract was searchable
 * @param recall recalling for every query over HTTP
 * @param recallP50Millis median latency of one recall as the client saw it
 * @param recallP99Millis 99th percentile of that latency
 * @param total the whole run
 */
public record DemoResult(
        EvaluationReport allQueries,
        List<EvaluationReport> heldOut,
        int documents,
        Duration nodeStart,
        Duration produce,
        Duration searchable,
        Duration recall,
        double recallP50Millis,
        double recallP99Millis,
        Duration total) {

    public DemoResult {
        Objects.requireNonNull(allQueries, "demoResult.allQueries is required");
        heldOut = List.copyOf(Objects.requireNonNull(heldOut, "demoResult.heldOut is required"));
        Objects.requireNonNull(nodeStart, "demoResult.nodeStart is required");
        Objects.requireNonNull(produce, "demoResult.produce is required");
        Objects.requireNonNull(searchable, "demoResult.searchable is required");
        Objects.requireNonNull(recall, "demoResult.recall is required");
        Objects.requireNonNull(total, "demoResult.total is required");
    }
}
