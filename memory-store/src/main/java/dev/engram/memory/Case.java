package dev.engram.memory;

import java.time.Instant;
import java.util.Objects;

/**
 * One remembered episode: what an agent was asked to do, what it did, what came of it, and how
 * often the case has since been recalled and judged useful.
 *
 * <pre>{@code
 * Case c = store.get("acme", "evt-42").orElseThrow();
 * double usefulRate = c.timesRecalled() == 0 ? 0 : (double) c.timesUseful() / c.timesRecalled();
 * }</pre>
 *
 * @param caseId the id of the episode (its {@code eventId}) that recorded this case
 * @param tenant the tenant that owns the case; a case is only ever visible to its tenant
 * @param agentId the agent that reported the episode; may be empty
 * @param task the state or query text
 * @param plan what was done; may be empty
 * @param outcome what came of it; may be empty
 * @param reward the episode's reward in [0, 1]
 * @param createdAt the episode's timestamp
 * @param updatedAt the timestamp of the latest episode that judged this case (else {@code createdAt})
 * @param timesRecalled how many judgements this case has received
 * @param timesUseful how many of those judged it useful; never more than {@code timesRecalled}
 */
public record Case(
        String caseId,
        String tenant,
        String agentId,
        String task,
        String plan,
        String outcome,
        double reward,
        Instant createdAt,
        Instant updatedAt,
        long timesRecalled,
        long timesUseful) {

    public Case {
        requireText(caseId, "case.caseId");
        requireText(tenant, "case.tenant");
        Objects.requireNonNull(task, "case.task is required");
        agentId = agentId == null ? "" : agentId;
        plan = plan == null ? "" : plan;
        outcome = outcome == null ? "" : outcome;
        if (!(reward >= 0.0 && reward <= 1.0)) {
            throw new IllegalArgumentException("case.reward must be in [0, 1], was " + reward);
        }
        Objects.requireNonNull(createdAt, "case.createdAt is required");
        Objects.requireNonNull(updatedAt, "case.updatedAt is required");
        if (timesRecalled < 0) {
            throw new IllegalArgumentException("case.timesRecalled must be >= 0, was " + timesRecalled);
        }
        if (timesUseful < 0 || timesUseful > timesRecalled) {
            throw new IllegalArgumentException(
                    "case.timesUseful must be in [0, timesRecalled=" + timesRecalled + "], was " + timesUseful);
        }
    }

    /**
     * The text that BM25 indexes and that an {@link Embedder} should embed for this case: task,
     * plan and outcome, each non-empty part on its own line.
     */
    public String text() {
        return text(task, plan, outcome);
    }

    /** The case text of the given parts; see {@link #text()}. */
    public static String text(String task, String plan, String outcome) {
        StringBuilder sb = new StringBuilder(task);
        if (plan != null && !plan.isEmpty()) {
            sb.append('\n').append(plan);
        }
        if (outcome != null && !outcome.isEmpty()) {
            sb.append('\n').append(outcome);
        }
        return sb.toString();
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required and must not be blank");
        }
    }
}
