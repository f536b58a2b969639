package dev.engram.streams;

import dev.engram.streams.internal.FieldChecks;

/**
 * One case that was recalled for the task of a {@link FeedbackEvent}, with the agent's judgement.
 *
 * <pre>{@code
 * new RetrievedCase("case-42", 1, Boolean.TRUE)   // ranked first, it helped
 * new RetrievedCase("case-7", 2, null)            // ranked second, no judgement
 * }</pre>
 *
 * @param caseId the recalled case, at most {@link EventLimits#MAX_ID_CHARS} characters
 * @param rank its 1-based position in the recall result
 * @param useful whether it helped; {@code null} when the agent did not judge it
 * @throws InvalidEventException naming the field, when one is missing or out of range
 */
public record RetrievedCase(String caseId, int rank, Boolean useful) {

    public RetrievedCase {
        FieldChecks.requireText("caseId", caseId, EventLimits.MAX_ID_CHARS);
        if (rank < 1) {
            throw new InvalidEventException("rank", "must be >= 1, was " + rank);
        }
    }
}
