package dev.engram.streams;

import java.time.Instant;

/**
 * One case in a {@link RecallResponse}: the case's own fields, its rank among all recalled cases,
 * its fused score, and whether the node offers it as a positive example (worth repeating) or a
 * negative one (what did not work).
 *
 * @param rank 1-based position in {@link RecallResponse#ranked()}
 * @param caseId the case; name it in the SDK's {@code Feedback.Builder.useful(caseId, useful)}
 * @param agentId the agent that lived it
 * @param task its task text
 * @param plan what was done
 * @param outcome what came of it
 * @param reward how well it went, in [0, 1]
 * @param createdAt when it was first recorded
 * @param updatedAt when it last changed
 * @param timesRecalled how often it has been recalled
 * @param timesUseful how often it was judged useful
 * @param score the node's fused relevance score
 * @param polarity {@code "positive"} or {@code "negative"}
 * @param reason why the node chose it, for people
 */
public record RecalledCase(
        int rank,
        String caseId,
        String agentId,
        String task,
        String plan,
        String outcome,
        double reward,
        Instant createdAt,
        Instant updatedAt,
        long timesRecalled,
        long timesUseful,
        double score,
        String polarity,
        String reason) {

    /** Whether the node offers it as a positive example. */
    public boolean positive() {
        return "positive".equals(polarity);
    }
}
