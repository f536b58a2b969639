package dev.engram.node.ingest;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives cases their vectors off the write path. Ingest stores a case without a vector, so it is
 * BM25-searchable as soon as its batch is durable and the stream never waits for the encoder; this
 * embeds the durable new cases on its own thread, in batches, and writes each vector with
 * {@link CaseStore#updateVector}. Recall finds such a case by BM25 until its vector arrives.
 *
 * <p>Nothing here is needed for exactly-once: the case and the Kafka offset that covers it are
 * durable before the case is handed over, and a vector is a derived field. Vectors written but not
 * yet committed when the node dies are found again at start: the thread first scans every tenant
 * for cases without a vector in its active generation ({@link CaseStore#casesWithoutVector}). The
 * queue is bounded; a case that does not fit is left for a scan, which runs again as soon as the
 * queue has drained.
 *
 * <pre>{@code
 * try (VectorBackfill vectors = VectorBackfill.start(store, encoder, 64, 10_000)) {
 *     BatchWriter writer = new BatchWriter(store, null, ..., vectors::submit);   // no embedder on the write path
 * }
 * }</pre>
 */
public final class VectorBackfill implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VectorBackfill.class);
    private static final int SCAN_PAGE = 1_000;

    private record Pending(String tenant, String caseId, String text) {}

    private final CaseStore store;
    private final Embedder embedder;
    private final int batchSize;
    private final BlockingQueue<Pending> queue;
    private final AtomicBoolean rescan = new AtomicBoolean(true);
    private final AtomicLong embedded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private VectorBackfill(CaseStore store, Embedder embedder, int batchSize, int capacity) {
        this.store = Objects.requireNonNull(store, "store");
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive, was " + batchSize);
        }
        if (capacity < batchSize) {
            throw new IllegalArgumentException(
                    "capacity must be at least batchSize " + batchSize + ", was " + capacity);
        }
        this.batchSize = batchSize;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::run, "engram-vector-backfill");
        this.thread.setDaemon(true);
    }

    /**
     * Starts the thread, which first embeds every case that has no vector yet (e.g. left by a crash).
     *
     * @param batchSize texts per embedder call
     * @param capacity cases waiting at most; more are left to a scan of the store
     */
    public static VectorBackfill start(CaseStore store, Embedder embedder, int batchSize, int capacity) {
        VectorBackfill backfill = new VectorBackfill(store, embedder, batchSize, capacity);
        backfill.thread.start();
        return backfill;
    }

    /** Hands over durable new cases; never blocks (a case that does not fit waits for a scan). */
    public void submit(List<Episode> episodes) {
        for (Episode e : episodes) {
            if (!queue.offer(new Pending(e.tenant(), e.eventId(), BatchWriter.caseText(e)))) {
                rescan.set(true);
            }
        }
    }

    /** Cases handed over and not yet embedded (a pending scan is not counted). */
    public int queued() {
        return queue.size();
    }

    /** Vectors written since start. */
    public long embedded() {
        return embedded.get();
    }

    /** Cases whose embedding failed since start (they stay BM25-only until the next start's scan). */
    public long failed() {
        return failed.get();
    }

    private void run() {
        while (running) {
            try {
                if (queue.isEmpty() && rescan.getAndSet(false)) {
                    scan();
                }
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Pending> batch = new ArrayList<>(batchSize);
                batch.add(first);
                queue.drainTo(batch, batchSize - 1);
                embed(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (running) {
                    // e.g. the store failed and refuses writes; the next start's scan finds what is missing
                    log.warn("writing case vectors failed: {}", e.toString());
                }
            }
        }
    }

    /** Embeds every case of every tenant that has no vector yet, page by page. */
    private void scan() {
        long found = 0;
        for (String tenant : store.tenants()) {
            Set<String> tried = new HashSet<>();
            while (running) {
                List<Pending> page = new ArrayList<>();
                for (Case c : store.casesWithoutVector(tenant, SCAN_PAGE)) {
                    if (tried.add(c.caseId())) {
                        page.add(new Pending(tenant, c.caseId(), c.text()));
                    }
                }
                if (page.isEmpty()) {
                    break; // none left, or only cases that failed to embed in this scan
                }
                found += page.size();
                for (int from = 0; from < page.size() && running; from += batchSize) {
                    embed(page.subList(from, Math.min(page.size(), from + batchSize)));
                }
            }
        }
        if (found > 0) {
            log.info("embedded {} cases that had no vector", found);
        }
    }

    private void embed(List<Pending> batch) {
        List<float[]> vectors;
        try {
            vectors = embedder.embedDocuments(batch.stream().map(Pending::text).toList());
        } catch (RuntimeException batchFailure) {
            log.warn("embedding {} cases failed ({}); embedding one by one", batch.size(), batchFailure.toString());
            vectors = new ArrayList<>();
            for (Pending p : batch) {
                try {
                    vectors.add(embedder.embedDocuments(List.of(p.text())).get(0));
                } catch (RuntimeException e) {
                    log.warn("case {} of tenant {} stays without a vector: {}", p.caseId(), p.tenant(), e.toString());
                    vectors.add(null);
                }
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            float[] v = vectors.get(i);
            if (v == null) {
                failed.incrementAndGet();
                continue;
            }
            try {
                store.updateVector(p.tenant(), p.caseId(), v);
                embedded.incrementAndGet();
            } catch (IllegalArgumentException e) {
                log.warn("case {} of tenant {} stays without a vector: {}", p.caseId(), p.tenant(), e.getMessage());
                failed.incrementAndGet();
            }
        }
    }

    /**
     * Stops the thread after the batch it is embedding (not interrupted: an interrupt during a
     * Lucene write can close the index's files); waiting cases are left to the next start's scan.
     */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(60_000);
    }
}
