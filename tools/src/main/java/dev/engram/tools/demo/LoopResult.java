package dev.engram.tools.demo;

import dev.engram.retriever.eval.EvaluationReport;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The figures of one continual demo run ({@link ContinualDemo}).
 *
 * @param tenant the tenant the run used
 * @param documents abstracts seeded as cases
 * @param feedbackQueries judged queries replayed as feedback, over all rounds
 * @param heldOutQueries judged queries never sent as feedback: what every row is scored on
 * @param bm25 BM25 recall on the held-out queries (no adapter is involved)
 * @param baseDense dense recall with the base encoder, before any round
 * @param baseHybrid hybrid recall with the base encoder, before any round
 * @param rounds the rounds in order
 * @param searchable sending the abstracts until all were searchable by BM25
 * @param seeding sending the abstracts until all were embedded (searchable by vector too)
 * @param total the whole run
 */
public record LoopResult(
        String tenant,
        int documents,
        int feedbackQueries,
        int heldOutQueries,
        EvaluationReport bm25,
        EvaluationReport baseDense,
        EvaluationReport baseHybrid,
        List<RoundResult> rounds,
        Duration searchable,
        Duration seeding,
        Duration total) {

    public LoopResult {
        Objects.requireNonNull(bm25, "loopResult.bm25 is required");
        Objects.requireNonNull(baseDense, "loopResult.baseDense is required");
        Objects.requireNonNull(baseHybrid, "loopResult.baseHybrid is required");
        rounds = List.copyOf(rounds);
    }

    /** The last promoted round, or {@code null} when none was promoted. */
    public RoundResult lastPromoted() {
        RoundResult last = null;
        for (RoundResult r : rounds) {
            if (r.promoted()) {
                last = r;
            }
        }
        return last;
    }
}
