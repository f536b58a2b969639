package dev.engram.streams;

import dev.engram.streams.internal.FieldChecks;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an agent did for a task and how well it went: the event on {@link Topics#FEEDBACK}, keyed by
 * tenant. One event both records a new case (task, plan, outcome, reward) and tells which of the
 * cases that were recalled for the task helped ({@link #retrieved()}).
 *
 * <pre>{@code
 * FeedbackEvent event = FeedbackEvent.of("evt-1", "acme", "agent-7", Instant.now(),
 *     "refund a damaged order", "checked the photo, issued a refund", "customer satisfied", 0.9,
 *     List.of(new RetrievedCase("case-42", 1, true)));
 * byte[] json = EventCodec.encode(event);
 * }</pre>
 *
 * <p>Validated on construction (see {@link EventLimits} for the numbers); every rejection is an
 * {@link InvalidEventException} whose message names the field. Optional texts ({@code plan},
 * {@code outcome}) become {@code ""} when null and a null {@code retrieved} becomes empty, so the
 * accessors never return null.
 *
 * @param schemaVersion the contract version the producer wrote; {@link #SCHEMA_VERSION} today
 * @param eventId unique per event; writes are idempotent by it, so a replay never doubles a case
 * @param tenant whose memory the case belongs to, matching {@link EventLimits#TENANT_REGEX}
 * @param agentId the agent that acted
 * @param timestamp when it acted, within {@link EventLimits#MIN_TIMESTAMP} and
 *     {@link EventLimits#MAX_TIMESTAMP}
 * @param task the state or query text (required, non-blank)
 * @param plan what was done (optional)
 * @param outcome what came of it (optional)
 * @param reward how well it went, a finite number in [0, 1]
 * @param retrieved the recalled cases with their rank and judgement; no caseId twice
 */
public record FeedbackEvent(
        int schemaVersion,
        String eventId,
        String tenant,
        String agentId,
        Instant timestamp,
        String task,
        String plan,
        String outcome,
        double reward,
        List<RetrievedCase> retrieved) {

    /** The version of the feedback contract this code writes and the newest it reads. */
    public static final int SCHEMA_VERSION = 1;

    public FeedbackEvent {
        FieldChecks.requireSchemaVersion("schemaVersion", schemaVersion, SCHEMA_VERSION);
        FieldChecks.requireText("eventId", eventId, EventLimits.MAX_ID_CHARS);
        FieldChecks.requireTenant("tenant", tenant);
        FieldChecks.requireText("agentId", agentId, EventLimits.MAX_ID_CHARS);
        if (timestamp == null) {
            throw new InvalidEventException("timestamp", "is required");
        }
        if (timestamp.isBefore(EventLimits.MIN_TIMESTAMP) || timestamp.isAfter(EventLimits.MAX_TIMESTAMP)) {
            throw new InvalidEventException(
                    "timestamp",
                    "must be between " + EventLimits.MIN_TIMESTAMP + " and " + EventLimits.MAX_TIMESTAMP
                            + " (what an epoch millisecond can hold), was " + timestamp);
        }
        FieldChecks.requireText("task", task, EventLimits.MAX_TASK_CHARS);
        plan = FieldChecks.optionalText("plan", plan, EventLimits.MAX_PLAN_CHARS);
        outcome = FieldChecks.optionalText("outcome", outcome, EventLimits.MAX_OUTCOME_CHARS);
        if (!Double.isFinite(reward) || reward < 0.0 || reward > 1.0) {
            throw new InvalidEventException("reward", "must be in [0, 1], was " + reward);
        }
        retrieved = checkRetrieved(retrieved);
    }

    /** An event of the current {@link #SCHEMA_VERSION}; see the record parameters. */
    public static FeedbackEvent of(
            String eventId,
            String tenant,
            String agentId,
            Instant timestamp,
            String task,
            String plan,
            String outcome,
            double reward,
            List<RetrievedCase> retrieved) {
        return new FeedbackEvent(
                SCHEMA_VERSION, eventId, tenant, agentId, timestamp, task, plan, outcome, reward, retrieved);
    }

    private static List<RetrievedCase> checkRetrieved(List<RetrievedCase> retrieved) {
        if (retrieved == null) {
            return List.of();
        }
        if (retrieved.size() > EventLimits.MAX_RETRIEVED) {
            throw new InvalidEventException(
                    "retrieved", "at most " + EventLimits.MAX_RETRIEVED + " entries allowed, was " + retrieved.size());
        }
        Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < retrieved.size(); i++) {
            RetrievedCase c = retrieved.get(i);
            if (c == null) {
                throw new InvalidEventException("retrieved[" + i + "]", "must not be null");
            }
            Integer earlier = firstIndex.putIfAbsent(c.caseId(), i);
            if (earlier != null) {
                throw new InvalidEventException(
                        "retrieved[" + i + "].caseId",
                        "duplicate caseId '" + c.caseId() + "', already at retrieved[" + earlier + "]");
            }
        }
        return List.copyOf(retrieved);
    }
}
