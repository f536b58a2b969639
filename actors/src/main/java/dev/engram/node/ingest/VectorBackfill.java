package dev.engram.node.ingest;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * <p>With a {@link VectorChangelog}, each batch first takes the vectors recorded for its cases
 * (a node taking over a partition finds there what the previous owner computed) and embeds only
 * the others, recording each vector it computes.
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
    /** Cases remembered as done; more than a queue's and a scan page's worth. */
    private static final int DONE_KEPT = 50_000;

    private final CaseStore store;
    private final Embedder embedder;
    private final VectorChangelog changelog;
    private final int batchSize;
    private final BlockingQueue<CaseText> queue;
    private final AtomicBoolean rescan = new AtomicBoolean(true);
    /**
     * Cases given a vector lately (only the backfill thread touches it): a scan that runs while new
     * cases are handed over can list a case the queue holds too, and the second would embed it again.
     */
    private final Set<String> done = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > DONE_KEPT;
        }
    });

    private final AtomicLong embedded = new AtomicLong();
    private final AtomicLong restored = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private VectorBackfill(CaseStore store, Embedder embedder, VectorChangelog changelog, int batchSize, int capacity) {
        this.store = Objects.requireNonNull(store, "store");
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.changelog = Objects.requireNonNull(changelog, "changelog");
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
        return start(store, embedder, VectorChangelog.NONE, batchSize, capacity);
    }

    /**
     * As {@link #start(CaseStore, Embedder, int, int)}, taking recorded vectors from {@code
     * changelog} before embedding and recording the vectors it computes. The changelog stays the
     * caller's to close, after this.
     */
    public static VectorBackfill start(
            CaseStore store, Embedder embedder, VectorChangelog changelog, int batchSize, int capacity) {
        VectorBackfill backfill = new VectorBackfill(store, embedder, changelog, batchSize, capacity);
        backfill.thread.start();
        return backfill;
    }

    /** Hands over durable new cases; never blocks (a case that does not fit waits for a scan). */
    public void submit(List<Episode> episodes) {
        for (Episode e : episodes) {
            if (!queue.offer(new CaseText(e.tenant(), e.eventId(), BatchWriter.caseText(e)))) {
                rescan.set(true);
            }
        }
    }

    /** Cases handed over and not yet embedded (a pending scan is not counted). */
    public int queued() {
        return queue.size();
    }

    /** Vectors the embedder computed and this wrote, since start (texts embedded). */
    public long embedded() {
        return embedded.get();
    }

    /** Vectors taken from the changelog and written instead of embedding, since start. */
    public long restored() {
        return restored.get();
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
                CaseText first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<CaseText> batch = new ArrayList<>(batchSize);
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
                List<CaseText> page = new ArrayList<>();
                for (Case c : store.casesWithoutVector(tenant, SCAN_PAGE)) {
                    if (tried.add(c.caseId())) {
                        page.add(new CaseText(tenant, c.caseId(), c.text()));
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
            log.info("found {} cases without a vector and gave them one (recorded or embedded)", found);
        }
    }

    private void embed(List<CaseText> handed) {
        List<CaseText> batch =
                handed.stream().filter(c -> !done.contains(c.key())).toList();
        if (batch.isEmpty()) {
            return;
        }
        Map<String, float[]> recorded = changelog.recorded(batch);
        List<CaseText> toEmbed = new ArrayList<>(batch.size());
        for (CaseText c : batch) {
            float[] v = recorded.get(c.key());
            if (v == null) {
                toEmbed.add(c);
            } else if (write(c, v)) {
                restored.incrementAndGet();
            }
        }
        if (toEmbed.isEmpty()) {
            return;
        }
        List<float[]> vectors = vectors(toEmbed);
        for (int i = 0; i < toEmbed.size(); i++) {
            CaseText c = toEmbed.get(i);
            float[] v = vectors.get(i);
            if (v == null) {
                failed.incrementAndGet();
            } else if (write(c, v)) {
                embedded.incrementAndGet();
                changelog.record(c, v);
            }
        }
    }

    /** The embedder's vectors for {@code batch} in order, null for a case it could not embed. */
    private List<float[]> vectors(List<CaseText> batch) {
        try {
            return embedder.embedDocuments(batch.stream().map(CaseText::text).toList());
        } catch (RuntimeException batchFailure) {
            log.warn("embedding {} cases failed ({}); embedding one by one", batch.size(), batchFailure.toString());
            List<float[]> vectors = new ArrayList<>();
            for (CaseText p : batch) {
                try {
                    vectors.add(embedder.embedDocuments(List.of(p.text())).get(0));
                } catch (RuntimeException e) {
                    log.warn("case {} of tenant {} stays without a vector: {}", p.caseId(), p.tenant(), e.toString());
                    vectors.add(null);
                }
            }
            return vectors;
        }
    }

    private boolean write(CaseText c, float[] vector) {
        try {
            boolean written = store.updateVector(c.tenant(), c.caseId(), vector);
            if (written) {
                done.add(c.key());
            }
            return written;
        } catch (IllegalArgumentException e) {
            log.warn("case {} of tenant {} stays without a vector: {}", c.caseId(), c.tenant(), e.getMessage());
            failed.incrementAndGet();
            return false;
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
