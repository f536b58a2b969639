package dev.engram.retriever.tuning.internal;

import dev.engram.retriever.tuning.CaseText;
import java.util.List;

/**
 * One training step's data: the queries, the candidates (the queries' positives in order, then the
 * hard negatives) and which candidates each query must not see as negatives (its other positives).
 */
public record ContrastiveBatch(List<String> queries, List<CaseText> candidates, boolean[][] excluded) {

    public ContrastiveBatch {
        queries = List.copyOf(queries);
        candidates = List.copyOf(candidates);
        if (candidates.size() < queries.size()) {
            throw new IllegalArgumentException("a batch needs a positive per query");
        }
    }
}
