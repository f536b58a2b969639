package dev.engram.streams;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The node's answer to {@code POST /v1/tenants/{tenant}/playground}: one task recalled by two
 * versions of the tenant's retriever policy, side by side, and where their orders differ. Written by
 * the node's HTTP API, read by the SDK ({@code engram.operations().playground(...)}) and the console.
 *
 * @param tenant the tenant asked
 * @param task the task asked about
 * @param a the recall as the first version ranks it ({@link RecallResponse#adapterVersion()} names it)
 * @param b the recall as the second version ranks it
 * @param changes every case whose rank differs between the two, in {@code a}'s order, then the
 *     cases only {@code b} recalled; empty when both orders agree
 */
public record PlaygroundResponse(
        String tenant, String task, RecallResponse a, RecallResponse b, List<RankChange> changes) {

    public PlaygroundResponse {
        Objects.requireNonNull(a, "playgroundResponse.a is required");
        Objects.requireNonNull(b, "playgroundResponse.b is required");
        changes = changes == null ? List.of() : List.copyOf(changes);
    }

    /** The answer for two recalls of the same task, with their differences worked out. */
    public static PlaygroundResponse of(RecallResponse a, RecallResponse b) {
        Set<String> ids = new LinkedHashSet<>();
        a.ranked().forEach(c -> ids.add(c.caseId()));
        b.ranked().forEach(c -> ids.add(c.caseId()));
        List<RankChange> changes = new ArrayList<>();
        for (String id : ids) {
            Integer rankA = a.find(id).map(RecalledCase::rank).orElse(null);
            Integer rankB = b.find(id).map(RecalledCase::rank).orElse(null);
            if (!Objects.equals(rankA, rankB)) {
                changes.add(new RankChange(id, rankA, rankB));
            }
        }
        return new PlaygroundResponse(a.tenant(), a.task(), a, b, changes);
    }

    /** Whether both versions recalled the same cases in the same order. */
    public boolean sameOrder() {
        return changes.isEmpty();
    }

    /**
     * A case ranked differently by the two versions.
     *
     * @param caseId the case
     * @param rankA its rank in {@code a} (1-based), or null when {@code a} did not recall it
     * @param rankB its rank in {@code b}, or null when {@code b} did not recall it
     */
    public record RankChange(String caseId, Integer rankA, Integer rankB) {
        public RankChange {
            Objects.requireNonNull(caseId, "rankChange.caseId is required");
        }
    }
}
