package dev.engram.retriever.ranking;

import dev.engram.memory.CandidateLists;
import java.util.Map;
import java.util.Objects;

/**
 * One of a tenant's feedback queries as the fusion fit sees it: the first-stage candidates the query
 * got, and the graded judgements of its cases (gain above 0 = relevant, higher = better; cases not
 * in {@code gains} have gain 0, as in {@link dev.engram.retriever.eval.RetrievalMetrics}).
 *
 * <pre>{@code
 * new JudgedQuery(store.candidates(query), Map.of("evt-7", 2, "evt-9", 1));
 * }</pre>
 *
 * @param lists the query's candidate lists (their {@code query} is the query)
 * @param gains caseId → graded gain; copied
 */
public record JudgedQuery(CandidateLists lists, Map<String, Integer> gains) {

    public JudgedQuery {
        Objects.requireNonNull(lists, "judgedQuery.lists is required");
        Objects.requireNonNull(gains, "judgedQuery.gains is required (may be empty)");
        gains.forEach((caseId, gain) -> {
            if (caseId == null || caseId.isBlank() || gain == null) {
                throw new IllegalArgumentException(
                        "judgedQuery.gains must map case ids to gains, had " + caseId + " → " + gain);
            }
        });
        gains = Map.copyOf(gains);
    }

    /** Whether any judged case is relevant (gain above 0): only then can nDCG score the query. */
    public boolean scorable() {
        return gains.values().stream().anyMatch(g -> g > 0);
    }
}
