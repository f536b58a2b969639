package dev.engram.node.tuning;

import dev.engram.memory.Episode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One tenant's judged episodes as its {@link TuningScheduler} sees them: the fresh ones no round has
 * consumed yet (in arrival order) and the older ones earlier rounds consumed (kept as replay for the
 * next round), each bounded by the history limit, an episode counted once by its event id. Where a
 * {@link JudgedRecallLog} backs the scheduler, the window starts from its snapshot and moves the
 * log's mark as rounds consume episodes, so a restarted scheduler counts the same episodes as fresh.
 * Not thread-safe: the scheduler's actor owns it.
 */
final class EpisodeWindow {

    private final String tenant;
    private final int historyLimit;
    private final JudgedRecallLog log;
    private final List<Episode> fresh = new ArrayList<>();
    private final Deque<Episode> older = new ArrayDeque<>();
    private final Set<String> known = new HashSet<>();
    private int mark;

    /** A window read back from {@code log} (or empty when {@code log} is null). */
    EpisodeWindow(String tenant, int historyLimit, JudgedRecallLog log) {
        this.tenant = tenant;
        this.historyLimit = historyLimit;
        this.log = log;
        if (log != null) {
            JudgedRecallLog.Snapshot snapshot = log.snapshot(tenant);
            mark = snapshot.older().size();
            snapshot.older().forEach(this::rememberOne);
            snapshot.fresh().forEach(e -> {
                fresh.add(e);
                known.add(e.eventId());
            });
        }
    }

    /** Adds this tenant's judged episodes not seen before; the oldest fresh ones past the limit drop. */
    void accept(List<Episode> episodes) {
        for (Episode e : episodes) {
            if (e.tenant().equals(tenant) && !e.judgements().isEmpty() && known.add(e.eventId())) {
                fresh.add(e);
            }
        }
        if (fresh.size() > historyLimit) {
            fresh.subList(0, fresh.size() - historyLimit).clear();
        }
    }

    int freshCount() {
        return fresh.size();
    }

    int olderCount() {
        return older.size();
    }

    List<Episode> freshCopy() {
        return List.copyOf(fresh);
    }

    List<Episode> olderCopy() {
        return List.copyOf(older);
    }

    /** Takes the first {@code count} fresh episodes out (a round was built from them). */
    List<Episode> takeFresh(int count) {
        List<Episode> taken = new ArrayList<>(fresh.subList(0, Math.min(fresh.size(), count)));
        fresh.subList(0, taken.size()).clear();
        return taken;
    }

    /** Puts episodes a failed round took back in front of the fresh ones, for the next round. */
    void giveBack(List<Episode> taken) {
        fresh.addAll(0, taken);
    }

    /**
     * The round that took {@code taken} ended: they become older episodes, and the log's mark moves
     * past them. {@code onMarkFailure} hears a mark that could not be persisted (the round happened;
     * after a restart its episodes only count as fresh again).
     */
    void consumed(List<Episode> taken, Consumer<RuntimeException> onMarkFailure) {
        taken.forEach(this::rememberOne);
        if (log == null) {
            return;
        }
        mark += taken.size();
        try {
            log.advanceMark(tenant, mark);
        } catch (RuntimeException e) {
            onMarkFailure.accept(e);
        }
    }

    int mark() {
        return mark;
    }

    private void rememberOne(Episode e) {
        older.addLast(e);
        known.add(e.eventId());
        while (older.size() > historyLimit) {
            known.remove(older.removeFirst().eventId());
        }
    }
}
