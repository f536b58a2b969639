package dev.engram.runtime;

import dev.engram.streams.EventLimits;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import dev.engram.streams.RetrievedCase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What an agent tells Engram after acting on a task: what it did, how well it went, and which of
 * the recalled cases helped. {@link EngramClient#feedback} sends it as a {@link FeedbackEvent}.
 *
 * <pre>{@code
 * RecallResponse recall = client.recall("acme", task, 10);
 * // ... act ...
 * Feedback feedback = Feedback.forRecall(recall)
 *     .plan("checked the photo, issued a refund")
 *     .outcome("customer satisfied")
 *     .reward(0.9)
 *     .useful(recall.ranked().get(0).caseId(), true)
 *     .build();
 * client.feedback(feedback);   // safe to resend: the eventId is fixed at build()
 * }</pre>
 *
 * <p><b>Idempotent.</b> {@link Builder#build()} fixes the {@link #eventId()} (a random UUID unless
 * one is given) and the timestamp, so sending the same {@code Feedback} again (after a timeout, say)
 * is recorded once: Engram's writes are idempotent by event id.
 *
 * @param eventId unique per piece of feedback
 * @param tenant whose memory it goes to
 * @param task the task text (from the recall it refers to, when there is one)
 * @param plan what was done; {@code ""} when not told
 * @param outcome what came of it; {@code ""} when not told
 * @param reward how well it went, in [0, 1]
 * @param retrieved the recalled cases with their rank and the agent's judgement (null = not judged)
 * @param timestamp when the agent acted
 */
public record Feedback(
        String eventId,
        String tenant,
        String task,
        String plan,
        String outcome,
        double reward,
        List<RetrievedCase> retrieved,
        Instant timestamp) {

    public Feedback {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(task, "task");
        plan = plan == null ? "" : plan;
        outcome = outcome == null ? "" : outcome;
        retrieved = retrieved == null ? List.of() : List.copyOf(retrieved);
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** Feedback about acting on {@code recall}: tenant, task and the recalled cases come from it. */
    public static Builder forRecall(RecallResponse recall) {
        Objects.requireNonNull(recall, "recall");
        return new Builder(recall.tenant(), recall.task(), recall);
    }

    /** Feedback about a task that was not recalled for (it still becomes a case). */
    public static Builder forTask(String tenant, String task) {
        return new Builder(tenant, task, null);
    }

    /** The event that {@link EngramClient#feedback} sends, as {@code agentId}. */
    public FeedbackEvent toEvent(String agentId) {
        return FeedbackEvent.of(eventId, tenant, agentId, timestamp, task, plan, outcome, reward, retrieved);
    }

    /** Builds a {@link Feedback}; {@link #reward(double)} is required. */
    public static final class Builder {

        private final String tenant;
        private final String task;
        private final RecallResponse recall;
        private final Map<String, Boolean> useful = new LinkedHashMap<>();
        private String eventId;
        private String plan = "";
        private String outcome = "";
        private Double reward;
        private Instant timestamp;

        private Builder(String tenant, String task, RecallResponse recall) {
            this.tenant = tenant;
            this.task = task;
            this.recall = recall;
        }

        /** Use this event id instead of a random one (e.g. your own action id, for end-to-end idempotence). */
        public Builder eventId(String eventId) {
            this.eventId = eventId;
            return this;
        }

        /** What was done. */
        public Builder plan(String plan) {
            this.plan = plan;
            return this;
        }

        /** What came of it. */
        public Builder outcome(String outcome) {
            this.outcome = outcome;
            return this;
        }

        /** How well it went, in [0, 1]. Required. */
        public Builder reward(double reward) {
            this.reward = reward;
            return this;
        }

        /**
         * Whether the recalled case {@code caseId} helped.
         *
         * @throws IllegalArgumentException when the case was not in the recall
         */
        public Builder useful(String caseId, boolean useful) {
            if (recall == null) {
                throw new IllegalStateException("useful(" + caseId + "): this feedback has no recall to judge; "
                        + "start from Feedback.forRecall(recall)");
            }
            if (recall.find(caseId).isEmpty()) {
                throw new IllegalArgumentException("useful: case '" + caseId + "' was not in the recall for task '"
                        + abbreviate(recall.task()) + "'; recalled: "
                        + recall.ranked().stream().map(RecalledCase::caseId).toList());
            }
            this.useful.put(caseId, useful);
            return this;
        }

        /** When the agent acted; now by default. */
        public Builder timestamp(Instant timestamp) {
            this.timestamp = timestamp;
            return this;
        }

        /**
         * The feedback, with its event id and timestamp fixed.
         *
         * @throws IllegalStateException when no reward was given
         * @throws dev.engram.streams.InvalidEventException naming the field, when it breaks the event
         *     contract (e.g. a reward outside [0, 1], a task over {@link EventLimits#MAX_TASK_CHARS})
         */
        public Feedback build() {
            if (reward == null) {
                throw new IllegalStateException("reward: required, in [0, 1]; call reward(...) before build()");
            }
            List<RetrievedCase> retrieved = new ArrayList<>();
            if (recall != null) {
                for (RecalledCase c : recall.ranked()) {
                    if (retrieved.size() == EventLimits.MAX_RETRIEVED) {
                        break;
                    }
                    retrieved.add(new RetrievedCase(c.caseId(), c.rank(), useful.get(c.caseId())));
                }
            }
            Feedback feedback = new Feedback(
                    eventId == null ? UUID.randomUUID().toString() : eventId,
                    tenant,
                    task,
                    plan,
                    outcome,
                    reward,
                    retrieved,
                    timestamp == null ? Instant.now() : timestamp);
            feedback.toEvent("validation"); // checks every field now rather than at send time
            return feedback;
        }

        private static String abbreviate(String text) {
            return text.length() <= 60 ? text : text.substring(0, 57) + "...";
        }
    }
}
