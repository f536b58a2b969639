package dev.engram.memory.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The counters of every case written (added or judged) since the searcher was last refreshed.
 *
 * <p>The near-real-time reader shows the index as of its last refresh; together with this view it
 * gives the exact current state without refreshing after every write: a case exists if it is here
 * or in the reader, and its counters are these if present, else the reader's. Used only under the
 * store's write lock and cleared right after each refresh, under the same lock.
 */
public final class PendingWrites {
    private final Map<String, CaseCounters> byKey = new HashMap<>();

    public CaseCounters get(String key) {
        return byKey.get(key);
    }

    public boolean contains(String key) {
        return byKey.containsKey(key);
    }

    public void put(String key, CaseCounters counters) {
        byKey.put(key, counters);
    }

    public int size() {
        return byKey.size();
    }

    public boolean isEmpty() {
        return byKey.isEmpty();
    }

    public void clear() {
        byKey.clear();
    }
}
