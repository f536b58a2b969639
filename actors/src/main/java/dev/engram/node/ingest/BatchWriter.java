package dev.engram.node.ingest;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import dev.engram.node.internal.Async;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.streams.DeadLetter;
import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps that make one batch durable, in this order:
 *
 * <ol>
 *   <li>decode and validate every record ({@link FeedbackDecoder}); invalid ones become dead letters;</li>
 *   <li>embed the valid cases' text when an {@link Embedder} is configured (a case whose embedding
 *       fails is stored without a vector rather than blocking its partition);</li>
 *   <li>write the episodes to the {@link CaseStore} in batch order, under the
 *       {@code engram.store-write} retry: a failed attempt is retried whole, and since writes are
 *       idempotent by event id, what an earlier attempt wrote is neither lost nor doubled. A record
 *       the store rejects as invalid ({@link IllegalArgumentException}) is dead-lettered;</li>
 *   <li>publish the dead letters and wait for the broker's acks;</li>
 *   <li>commit the index with the batch's Kafka offsets in the commit data (same retry);</li>
 *   <li>hand the episodes that became new cases in this batch (not duplicates of earlier ones) to
 *       the {@code written} listener, e.g. the tuning scheduler. It runs after the index commit, so a
 *       crash between the two loses those episodes for the listener (not for the store); a listener
 *       that throws is logged and does not fail the batch.</li>
 * </ol>
 *
 * <p>Only when all of that succeeded does the returned stage complete, and only then may the
 * offsets be committed to Kafka. Not thread-safe by design: the {@link IngestActor} runs one batch
 * at a time.
 */
public final class BatchWriter {

    private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);

    private final CaseStore store;
    private final Embedder embedder;
    private final FeedbackDecoder decoder;
    private final DeadLetterSink deadLetters;
    private final Retry storeRetry;
    private final ScheduledExecutorService scheduler;
    private final Executor blocking;
    private final NodeMetrics metrics;
    private final Consumer<List<Episode>> written;

    /** As the full constructor, with no listener for written episodes. */
    public BatchWriter(CaseStore store, Embedder embedder, FeedbackDecoder decoder, DeadLetterSink deadLetters,
            Retry storeRetry, ScheduledExecutorService scheduler, Executor blocking, NodeMetrics metrics) {
        this(store, embedder, decoder, deadLetters, storeRetry, scheduler, blocking, metrics, episodes -> { });
    }

    /**
     * @param embedder {@code null} for BM25-only cases
     * @param storeRetry the {@code engram.store-write} retry
     * @param scheduler schedules retry backoffs (no thread is held while waiting)
     * @param blocking runs the store and embedder calls
     * @param written told, after each durable batch, the episodes that became new cases in it
     */
    public BatchWriter(CaseStore store, Embedder embedder, FeedbackDecoder decoder, DeadLetterSink deadLetters,
            Retry storeRetry, ScheduledExecutorService scheduler, Executor blocking, NodeMetrics metrics,
            Consumer<List<Episode>> written) {
        this.store = Objects.requireNonNull(store, "store");
        this.embedder = embedder;
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.storeRetry = Objects.requireNonNull(storeRetry, "storeRetry");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.written = Objects.requireNonNull(written, "written");
    }

    /** The offsets the last durable index commit covers (empty for a new index). */
    public Map<TopicPartition, Long> durableOffsets() {
        return OffsetCommitData.read(store.committedData());
    }

    /**
     * Makes the batch durable and records {@code offsetsAfter} (all partitions' offsets once this
     * batch is in) in the index commit.
     */
    public CompletionStage<BatchOutcome> write(IngestBatch batch, Map<TopicPartition, Long> offsetsAfter) {
        long start = System.nanoTime();
        return Async.supply(() -> prepare(batch), blocking)
                .thenCompose(this::writeWithRetry)
                .thenCompose(p -> deadLetters.publish(p.allDeadLetters()).thenApply(v -> p))
                .thenCompose(p -> commitWithRetry(offsetsAfter).thenApply(v -> p))
                .thenApply(p -> {
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    int valid = p.valid.size() - p.rejected.size();
                    BatchOutcome outcome = new BatchOutcome(batch.nextOffsets(), batch.size(), p.newCases,
                            Math.max(0, valid - p.newCases), p.invalid.size() + p.rejected.size(),
                            p.allDeadLetters().size(), p.attempts, took);
                    metrics.batchDone(outcome.ingested(), outcome.duplicates(), outcome.invalid(),
                            outcome.deadLettered(), took);
                    notifyWritten(p);
                    return outcome;
                });
    }

    private void notifyWritten(Prepared p) {
        if (p.written.isEmpty()) {
            return;
        }
        try {
            written.accept(List.copyOf(p.written.values()));
        } catch (RuntimeException e) {
            log.warn("the listener for {} written episodes failed: {}", p.written.size(), e.toString());
        }
    }

    private Prepared prepare(IngestBatch batch) {
        Prepared p = new Prepared();
        for (SourceRecord record : batch.records()) {
            DecodedRecord decoded = decoder.decode(record);
            if (decoded instanceof DecodedRecord.Valid valid) {
                p.valid.add(valid);
            } else {
                p.invalid.add(((DecodedRecord.Invalid) decoded).deadLetter());
            }
        }
        p.vectors = embed(p.valid);
        return p;
    }

    private List<float[]> embed(List<DecodedRecord.Valid> valid) {
        if (embedder == null || valid.isEmpty()) {
            return null;
        }
        List<String> texts = valid.stream().map(v -> caseText(v.episode())).toList();
        try {
            return new ArrayList<>(embedder.embedDocuments(texts));
        } catch (RuntimeException batchFailure) {
            log.warn("embedding a batch of {} failed ({}); embedding one by one", texts.size(), batchFailure.toString());
            List<float[]> vectors = new ArrayList<>(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                try {
                    vectors.add(embedder.embedDocuments(List.of(texts.get(i))).get(0));
                } catch (RuntimeException e) {
                    log.warn("case {} is stored without a vector: embedding failed: {}",
                            valid.get(i).episode().eventId(), e.toString());
                    vectors.add(null);
                }
            }
            return vectors;
        }
    }

    /** What an embedder embeds for a case: the same text BM25 indexes ({@link Case#text()}). */
    static String caseText(Episode e) {
        return Case.text(e.task(), e.plan(), e.outcome());
    }

    private CompletionStage<Prepared> writeWithRetry(Prepared p) {
        if (p.valid.isEmpty()) {
            return CompletableFuture.completedFuture(p);
        }
        return storeRetry.executeCompletionStage(scheduler, () -> Async.supply(() -> writeAttempt(p), blocking));
    }

    private Prepared writeAttempt(Prepared p) {
        p.attempts++;
        p.rejected.clear();
        for (int i = 0; i < p.valid.size(); i++) {
            DecodedRecord.Valid v = p.valid.get(i);
            float[] vector = p.vectors == null ? null : p.vectors.get(i);
            try {
                if (store.ingest(v.episode(), vector)) {
                    p.newCases++;
                    p.written.put(v.episode().eventId(), v.episode());
                }
            } catch (IllegalArgumentException e) {
                p.rejected.add(decoder.rejected(v.source(), "rejected by the case store: " + e.getMessage()));
            }
        }
        return p;
    }

    private CompletionStage<Void> commitWithRetry(Map<TopicPartition, Long> offsetsAfter) {
        return storeRetry.executeCompletionStage(scheduler, () -> Async.supply(() -> {
            store.commit(OffsetCommitData.write(store.committedData(), offsetsAfter));
            return null;
        }, blocking));
    }

    /** The state of one batch across its write attempts. */
    private static final class Prepared {
        final List<DecodedRecord.Valid> valid = new ArrayList<>();
        final List<DeadLetter> invalid = new ArrayList<>();
        final List<DeadLetter> rejected = new ArrayList<>();
        /** New cases by event id, across attempts (a retried attempt sees its earlier writes as duplicates). */
        final Map<String, Episode> written = new LinkedHashMap<>();
        List<float[]> vectors;
        int newCases;
        int attempts;

        List<DeadLetter> allDeadLetters() {
            if (rejected.isEmpty()) {
                return invalid;
            }
            List<DeadLetter> all = new ArrayList<>(invalid);
            all.addAll(rejected);
            return all;
        }
    }
}
