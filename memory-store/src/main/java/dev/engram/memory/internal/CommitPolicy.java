package dev.engram.memory.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * When to commit: after {@code everyEvents} applied episodes, or once the oldest uncommitted change
 * is {@code interval} old on the injected clock. Not thread-safe; the store calls it under its write lock.
 */
public final class CommitPolicy {
    private final int everyEvents;
    private final Duration interval;
    private final Clock clock;
    private long uncommittedEvents;
    private Instant firstUncommittedChange;

    public CommitPolicy(int everyEvents, Duration interval, Clock clock) {
        this.everyEvents = everyEvents;
        this.interval = interval;
        this.clock = clock;
    }

    /** An episode was applied. */
    public void eventApplied() {
        uncommittedEvents++;
        changed();
    }

    /** Something other than an episode changed (a delete, a new vector). */
    public void changed() {
        if (firstUncommittedChange == null) {
            firstUncommittedChange = clock.instant();
        }
    }

    public void committed() {
        uncommittedEvents = 0;
        firstUncommittedChange = null;
    }

    public long uncommittedEvents() {
        return uncommittedEvents;
    }

    public boolean isDue() {
        if (firstUncommittedChange == null) {
            return false;
        }
        return uncommittedEvents >= everyEvents
                || Duration.between(firstUncommittedChange, clock.instant()).compareTo(interval) >= 0;
    }
}
