package dev.engram.node.http;

import dev.engram.memory.Case;
import dev.engram.memory.RecallResult;
import dev.engram.memory.ScoredCase;
import dev.engram.node.recall.RecallAnswer;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the answer of {@code POST /v1/tenants/{tenant}/recall} — the wire's {@link RecallResponse},
 * the same model the SDK reads:
 *
 * <pre>{@code
 * {"tenant": "acme", "task": "...", "k": 10, "mode": "hybrid", "adapterVersion": "acme-retriever/v3", "tookMs": 2.4,
 *  "positives": [ {rank, caseId, agentId, task, plan, outcome, reward, createdAt, updatedAt,
 *                  timesRecalled, timesUseful, score, polarity, reason}, ... ],
 *  "negatives": [ ... ],
 *  "ranked":    [ ... all of them, best first ... ]}
 * }</pre>
 *
 * <p>When the tenant's serving adapter version failed to embed the task (it threw or gave
 * non-finite values), recall falls back to its parent or the base encoder and still answers 200:
 * {@code adapterVersion} names the version that served, {@code fallbackFrom} the one that failed
 * (absent otherwise).
 */
final class RecallResponses {

    private RecallResponses() {}

    /** The response for {@code answer}; every case carries its rank in {@code ranked}. */
    static RecallResponse of(String tenant, RecallRequest request, RecallAnswer answer) {
        RecallResult result = answer.result();
        Set<String> positiveIds = new HashSet<>();
        result.positives().forEach(s -> positiveIds.add(s.match().caseId()));
        Map<String, RecalledCase> byId = new HashMap<>();
        List<RecalledCase> ranked = new ArrayList<>();
        for (ScoredCase s : result.ranked()) {
            RecalledCase view = recalledCase(
                    s, ranked.size() + 1, positiveIds.contains(s.match().caseId()));
            ranked.add(view);
            byId.put(view.caseId(), view);
        }
        return new RecallResponse(
                tenant,
                request.task(),
                request.k(),
                answer.mode(),
                answer.adapterVersion(),
                answer.took().toNanos() / 1e6,
                views(result.positives(), byId, true),
                views(result.negatives(), byId, false),
                ranked,
                answer.fallbackFrom());
    }

    /** The view of a scored case; {@code rank} is 1-based. */
    static RecalledCase recalledCase(ScoredCase scored, int rank, boolean positive) {
        Case c = scored.match();
        return new RecalledCase(
                rank,
                c.caseId(),
                c.agentId(),
                c.task(),
                c.plan(),
                c.outcome(),
                c.reward(),
                c.createdAt(),
                c.updatedAt(),
                c.timesRecalled(),
                c.timesUseful(),
                scored.score(),
                positive ? "positive" : "negative",
                scored.reason());
    }

    private static List<RecalledCase> views(List<ScoredCase> cases, Map<String, RecalledCase> byId, boolean positive) {
        return cases.stream()
                .map(s -> byId.getOrDefault(s.match().caseId(), recalledCase(s, 0, positive)))
                .toList();
    }
}
