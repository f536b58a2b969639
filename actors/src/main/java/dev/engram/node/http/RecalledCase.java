package dev.engram.node.http;

import dev.engram.memory.Case;
import dev.engram.memory.ScoredCase;
import java.time.Instant;

/**
 * One case in a recall answer: the case's fields, its rank among all recalled cases, its fused
 * score, whether it is a positive or a negative example, and why it was chosen.
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

    /** The view of a scored case; {@code rank} is 1-based. */
    public static RecalledCase of(ScoredCase scored, int rank, boolean positive) {
        Case c = scored.match();
        return new RecalledCase(rank, c.caseId(), c.agentId(), c.task(), c.plan(), c.outcome(), c.reward(),
                c.createdAt(), c.updatedAt(), c.timesRecalled(), c.timesUseful(), scored.score(),
                positive ? "positive" : "negative", scored.reason());
    }
}
