package dev.engram.streams;

import dev.engram.streams.internal.ChunkChecks;
import dev.engram.streams.internal.FieldChecks;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One judged query of a {@link TrainingJob}'s evaluation data (held-out or retention): the query
 * text and every judged candidate with its text and gain, so that a worker can rank the candidates
 * with an adapter and compute nDCG@10 without any other source.
 *
 * <p>nDCG@10 here: rank {@link #candidates()} by the adapter's similarity to {@link #query()};
 * DCG = Σ over the top 10 of {@code gain / log2(rank + 1)}; divide by the DCG of the candidates
 * sorted by gain. Candidates with gain 0 are the distractors (recalled, judged not useful).
 *
 * <pre>{@code
 * new HeldOutQuery("q-17", "refund a damaged order", List.of(
 *     new HeldOutQuery.Candidate("case-42", "checked the photo; refund", 1.0),
 *     new HeldOutQuery.Candidate("case-7", "resend the parcel", 0.0)))
 * }</pre>
 *
 * @param queryId names the query in reports (e.g. the feedback event id it came from)
 * @param query the query text, at most {@link EventLimits#MAX_TASK_CHARS} characters
 * @param candidates 1 to {@link #MAX_CANDIDATES} judged cases, no caseId twice, at least one with
 *     a gain above 0
 */
public record HeldOutQuery(String queryId, String query, List<Candidate> candidates) {

    /** Most candidates per query: 1,000. */
    public static final int MAX_CANDIDATES = 1_000;

    public HeldOutQuery {
        FieldChecks.requireText("queryId", queryId, EventLimits.MAX_ID_CHARS);
        FieldChecks.requireText("query", query, EventLimits.MAX_TASK_CHARS);
        candidates = ChunkChecks.list("candidates", candidates, 1, MAX_CANDIDATES);
        Map<String, Integer> seen = new HashMap<>();
        boolean anyRelevant = false;
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            Integer earlier = seen.putIfAbsent(c.caseId(), i);
            if (earlier != null) {
                throw new InvalidEventException(
                        "candidates[" + i + "].caseId",
                        "duplicate caseId '" + c.caseId() + "', already at candidates[" + earlier + "]");
            }
            anyRelevant |= c.gain() > 0;
        }
        if (!anyRelevant) {
            throw new InvalidEventException(
                    "candidates",
                    "at least one candidate needs a gain > 0 "
                            + "(nDCG is undefined without a relevant case) for query " + queryId);
        }
    }

    /**
     * A judged candidate.
     *
     * @param caseId the case, at most {@link EventLimits#MAX_ID_CHARS} characters
     * @param text the case's text as the retriever embeds it, at most
     *     {@link TrainingExample#MAX_CASE_TEXT_CHARS}
     * @param gain graded relevance, finite, in [0, 100]; 0 = not useful
     */
    public record Candidate(String caseId, String text, double gain) {

        public Candidate {
            FieldChecks.requireText("caseId", caseId, EventLimits.MAX_ID_CHARS);
            FieldChecks.requireText("text", text, TrainingExample.MAX_CASE_TEXT_CHARS);
            ChunkChecks.finiteIn("gain", gain, 0, 100);
        }
    }
}
