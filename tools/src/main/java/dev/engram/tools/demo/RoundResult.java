package dev.engram.tools.demo;

import dev.engram.retriever.eval.EvaluationReport;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterStatus;
import java.time.Duration;
import java.util.Objects;

/**
 * One round of the continual demo.
 *
 * @param round 1-based
 * @param feedbackQueries the feedback queries replayed in this round
 * @param usefulJudgements recalled cases the simulated agents judged useful
 * @param version the adapter version the round produced
 * @param status {@code PROMOTED} or {@code REJECTED} by the node's gate
 * @param reason the gate's reason, with its figures
 * @param gateMetrics what the worker measured: candidate vs parent on the job's held-out feedback
 * @param dense held-out nDCG@10 etc. of dense recall once the version serves; {@code null} when rejected
 * @param hybrid the same for hybrid recall; {@code null} when rejected
 * @param servedBy the adapter version every recall of the dense evaluation reported (e.g.
 *     {@code cranfield-retriever/v2}); {@code null} when rejected
 * @param secondsToVerdict from the last feedback event sent to the node's verdict (ingest, scheduling,
 *     training, evaluation, publication)
 * @param secondsToServing from the verdict until recall used the version; 0 when rejected
 * @param took the whole round, evaluation included
 */
public record RoundResult(
        int round,
        int feedbackQueries,
        int usefulJudgements,
        long version,
        AdapterStatus status,
        String reason,
        AdapterMetrics gateMetrics,
        EvaluationReport dense,
        EvaluationReport hybrid,
        String servedBy,
        double secondsToVerdict,
        double secondsToServing,
        Duration took) {

    public RoundResult {
        Objects.requireNonNull(status, "roundResult.status is required");
        Objects.requireNonNull(reason, "roundResult.reason is required");
        Objects.requireNonNull(took, "roundResult.took is required");
    }

    /** Whether the node promoted this round's version. */
    public boolean promoted() {
        return status == AdapterStatus.PROMOTED;
    }
}
