package dev.engram.node.tuning;

import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.TrainingJob;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;

/**
 * The tasks a tenant's rounds have held out, so that a recurring one is held out again and never
 * trained on: otherwise a later round's gate would score a candidate on its parent's training
 * queries. At most {@code limit} tasks (oldest dropped); persisted in the judged-feedback log when
 * the node has one, so a restart keeps them. Used by one actor only, so not thread-safe.
 */
final class HeldOutTasks {

    private final String tenant;
    private final JudgedRecallLog log;
    private final int limit;
    private final Logger logger;
    private final Set<String> tasks = new LinkedHashSet<>();

    /** @param log where they persist, or {@code null} to keep them in memory only */
    HeldOutTasks(String tenant, JudgedRecallLog log, int limit, Logger logger) {
        this.tenant = tenant;
        this.log = log;
        this.limit = limit;
        this.logger = logger;
        if (log != null) {
            tasks.addAll(log.heldOutTasks(tenant));
        }
    }

    /** The tasks held out so far. */
    Set<String> snapshot() {
        return Set.copyOf(tasks);
    }

    /** Records the held-out queries of a job that is being sent. */
    void addFrom(TrainingJob job) {
        List<String> added = job.heldOut().stream()
                .map(HeldOutQuery::query)
                .filter(q -> !tasks.contains(q))
                .toList();
        tasks.addAll(added);
        if (log != null && !added.isEmpty()) {
            try {
                log.recordHeldOut(tenant, added);
            } catch (RuntimeException e) {
                // Held out for this node's lifetime still; after a restart they could be trained on.
                logger.warn("tuning {}: could not persist {} held-out tasks: {}", tenant, added.size(), e.toString());
            }
        }
        for (var it = tasks.iterator(); tasks.size() > limit && it.hasNext(); ) {
            it.next();
            it.remove();
        }
    }
}
