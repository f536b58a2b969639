package dev.engram.node.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.engram.memory.RecallResult;
import dev.engram.memory.ScoredCase;
import dev.engram.node.recall.RecallAnswer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The answer of {@code POST /v1/tenants/{tenant}/recall}:
 *
 * <pre>{@code
 * {"tenant": "acme", "task": "...", "k": 10, "mode": "bm25", "adapterVersion": "base", "tookMs": 2.4,
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
public record RecallResponse(
        String tenant,
        String task,
        int k,
        String mode,
        String adapterVersion,
        double tookMs,
        List<RecalledCase> positives,
        List<RecalledCase> negatives,
        List<RecalledCase> ranked,
        @JsonInclude(JsonInclude.Include.NON_NULL) String fallbackFrom) {

    /** The response for {@code answer}; every case carries its rank in {@code ranked}. */
    public static RecallResponse of(String tenant, RecallRequest request, RecallAnswer answer) {
        RecallResult result = answer.result();
        Set<String> positiveIds = new HashSet<>();
        result.positives().forEach(s -> positiveIds.add(s.match().caseId()));
        Map<String, RecalledCase> byId = new HashMap<>();
        List<RecalledCase> ranked = new ArrayList<>();
        for (ScoredCase s : result.ranked()) {
            RecalledCase view = RecalledCase.of(s, ranked.size() + 1, positiveIds.contains(s.match().caseId()));
            ranked.add(view);
            byId.put(view.caseId(), view);
        }
        return new RecallResponse(tenant, request.task(), request.k(), answer.mode(), answer.adapterVersion(),
                answer.took().toNanos() / 1e6, views(result.positives(), byId, true),
                views(result.negatives(), byId, false), ranked, answer.fallbackFrom());
    }

    private static List<RecalledCase> views(List<ScoredCase> cases, Map<String, RecalledCase> byId, boolean positive) {
        return cases.stream().map(s -> byId.getOrDefault(s.match().caseId(), RecalledCase.of(s, 0, positive)))
                .toList();
    }
}
