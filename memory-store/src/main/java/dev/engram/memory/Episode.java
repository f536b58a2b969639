package dev.engram.memory;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One agent episode as the store receives it: it becomes a new case (keyed by {@code eventId})
 * and carries judgements on the cases that were recalled for it.
 *
 * @param eventId idempotency key; also the new case's id
 * @param plan may be empty
 * @param outcome may be empty
 * @param reward in [0, 1]
 */
public record Episode(
        String eventId,
        String tenant,
        String agentId,
        Instant timestamp,
        String task,
        String plan,
        String outcome,
        double reward,
        List<Judgement> judgements) {

    public Episode {
        Objects.requireNonNull(eventId, "episode.eventId is required");
        Objects.requireNonNull(tenant, "episode.tenant is required");
        Objects.requireNonNull(timestamp, "episode.timestamp is required");
        Objects.requireNonNull(task, "episode.task is required");
        agentId = agentId == null ? "" : agentId;
        plan = plan == null ? "" : plan;
        outcome = outcome == null ? "" : outcome;
        if (!(reward >= 0.0 && reward <= 1.0)) {
            throw new IllegalArgumentException("episode.reward must be in [0, 1], was " + reward);
        }
        judgements = judgements == null ? List.of() : List.copyOf(judgements);
    }
}
