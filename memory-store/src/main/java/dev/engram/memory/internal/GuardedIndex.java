package dev.engram.memory.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.util.QueryBuilder;

/**
 * The case index as the store reads and writes it: writes serialised under one lock, reads that see
 * every applied write, and fail-stop.
 *
 * <p>Writes are not refreshed into the searcher one by one. The counters of every case written since
 * the last refresh are kept in memory ({@link #written}) and consulted before the searcher
 * ({@link #pendingCounters}), so that checks under the write lock are exact with pending (unflushed,
 * unrefreshed, uncommitted) writes too; reads refresh first when anything is pending.
 *
 * <p>If a write fails half-way, {@link #fail} rolls the index back to its last commit and every later
 * call is refused: a half-applied write must never be committed.
 */
public final class GuardedIndex {
    /** Refresh the searcher once this many cases are pending, to bound the in-memory view. */
    private static final int MAX_PENDING = 50_000;

    /** Work under the write lock. */
    public interface LockedAction<T> {
        T run() throws IOException;
    }

    /** Work with a point-in-time view of the index. */
    public interface ViewFunction<T> {
        T apply(TenantScopedSearcher view) throws IOException;
    }

    /** Work with a view and a value that was read consistently with it (see {@link #readConsistent}). */
    public interface ConsistentViewFunction<T> {
        T apply(TenantScopedSearcher view, int value) throws IOException;
    }

    private final Path path;
    private final CaseIndex index;
    private final QueryBuilder queryBuilder;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final PendingWrites pending = new PendingWrites();
    private volatile boolean stale;
    private volatile boolean closed;
    private volatile Throwable failure;

    public GuardedIndex(Path path, CaseIndex index) {
        this.path = path;
        this.index = index;
        this.queryBuilder = new QueryBuilder(index.writer().getAnalyzer());
    }

    public IndexWriter writer() {
        return index.writer();
    }

    /** The data stored with the commit the index was opened at. */
    public Map<String, String> commitDataAtOpen() {
        return index.commitDataAtOpen();
    }

    /** Runs {@code action} with the write lock held, on a usable index. */
    public <T> T write(LockedAction<T> action) {
        writeLock.lock();
        try {
            ensureUsable();
            return action.run();
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + ": " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * A view as of the last refresh, without refreshing: under the write lock, combine it with
     * {@link #pendingCounters} for the exact state.
     */
    public <T> T view(ViewFunction<T> fn) throws IOException {
        IndexSearcher s = index.acquire();
        try {
            return fn.apply(new TenantScopedSearcher(s, queryBuilder));
        } finally {
            index.release(s);
        }
    }

    /** Reads with a view that shows every applied write. */
    public <T> T read(ViewFunction<T> fn) {
        refreshIfStale();
        try {
            return view(fn);
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads with a view and {@code value} (e.g. a tenant's active vector generation) as one consistent
     * pair: the value is read before the searcher is acquired and checked unchanged after, so the view
     * holds everything the value refers to as long as writers refresh before they change it.
     */
    public <T> T readConsistent(IntSupplier value, ConsistentViewFunction<T> fn) {
        refreshIfStale();
        try {
            while (true) {
                int v = value.getAsInt();
                IndexSearcher s = index.acquire();
                try {
                    if (value.getAsInt() == v) {
                        return fn.apply(new TenantScopedSearcher(s, queryBuilder), v);
                    }
                } finally {
                    index.release(s);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + ": " + e.getMessage(), e);
        }
    }

    /** Under the write lock: records the counters of a case just written, until the next refresh. */
    public void written(String key, CaseCounters counters) {
        pending.put(key, counters);
        stale = true;
    }

    /** Under the write lock: the counters of a case written since the last refresh, or null. */
    public CaseCounters pendingCounters(String key) {
        return pending.get(key);
    }

    /** Under the write lock: whether a case was written since the last refresh. */
    public boolean isPending(String key) {
        return pending.contains(key);
    }

    /** Under the write lock: refreshes when the pending view has grown too large. */
    public void refreshIfManyPendingLocked() {
        if (pending.size() > MAX_PENDING) {
            refreshLocked();
        }
    }

    private void refreshIfStale() {
        ensureUsable();
        if (stale) {
            writeLock.lock();
            try {
                ensureUsable();
                if (stale) {
                    refreshLocked();
                }
            } finally {
                writeLock.unlock();
            }
        }
    }

    /** Under the write lock: makes every write so far visible to views acquired from now on. */
    public void refreshLocked() {
        try {
            index.refresh();
        } catch (IOException e) {
            throw new UncheckedIOException("case store " + path + " could not refresh its searcher", e);
        }
        pending.clear();
        stale = false;
    }

    /** Under the write lock: durably commits every write so far with {@code data}; a failure is {@link #fail}ed. */
    public void commitLocked(Map<String, String> data) {
        try {
            index.commit(data);
        } catch (IOException | RuntimeException e) {
            throw fail("commit", e);
        }
    }

    private void ensureUsable() {
        if (failure != null) {
            throw new IllegalStateException(
                    "case store " + path + " failed earlier and rolled back to its last "
                            + "commit: reopen it and replay from committedData()",
                    failure);
        }
        if (closed) {
            throw new IllegalStateException("case store " + path + " is closed");
        }
    }

    /** Rolls back to the last commit and refuses further calls; returns the exception to throw. */
    public IllegalStateException fail(String what, Throwable cause) {
        failure = cause;
        try {
            index.rollback();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
        return new IllegalStateException(
                "case store " + path + " failed to " + what + " and rolled back to its "
                        + "last commit: reopen it and replay from committedData()",
                cause);
    }

    /**
     * Closes once: runs {@code finalCommit} under the write lock when the index is healthy and has
     * uncommitted changes, then closes the index.
     */
    public void close(LockedAction<?> finalCommit) throws IOException {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (failure == null && index.hasUncommittedChanges()) {
                    finalCommit.run();
                }
            } finally {
                index.close();
            }
        } finally {
            writeLock.unlock();
        }
    }
}
