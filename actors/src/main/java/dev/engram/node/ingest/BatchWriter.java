package dev.engram.node.ingest;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import dev.engram.node.internal.Async;
import dev.engram.node.internal.NodeMetrics;
import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps that write one batch into the index, and the index commits that make what was written
 * durable. Each partition of the batch succeeds or fails on its own (a {@link PartitionWrite}), in
 * this order:
 *
 * <ol>
 *   <li>decode and validate every record ({@link FeedbackDecoder}); invalid ones become dead letters;</li>
 *   <li>embed the valid cases' text when an {@link Embedder} is configured (a case whose embedding
 *       fails is stored without a vector rather than blocking its partition);</li>
 *   <li>write each partition's episodes to the {@link CaseStore} in offset order, under the
 *       {@code engram.store-write} retry: a failed attempt retries that partition's records whole,
 *       and since writes are idempotent by event id, what an earlier attempt wrote is neither lost
 *       nor doubled. A record the store rejects as invalid ({@link IllegalArgumentException}) is
 *       dead-lettered. A partition still failing fails alone; the others go on. Once written, a case
 *       is searchable: the store's reads refresh its near-real-time searcher, commit or not;</li>
 *   <li>for a partition the consumer asks to <b>isolate</b> (its records kept failing), write
 *       record by record and set aside each record that fails. They are blamed only if the index
 *       then still commits (a commit that advances no offset): a store that fails as a whole fails
 *       the partition instead, so a broken disk never dead-letters valid records. Blamed records
 *       are dead-lettered with {@code "store: <what failed>"};</li>
 *   <li>publish each partition's dead letters and wait for the broker's acks (at least once: a
 *       crash before the next index commit publishes them again on replay);</li>
 *   <li>when the batch is to end with one ({@link IndexCommitPolicy}), commit the index with the
 *       Kafka offsets of every partition written so far (same retry); otherwise a later
 *       {@link #commit} does, and until then a crash loses those cases from the index and the
 *       stream replays them, without doubling anything;</li>
 *   <li>after each index commit, hand the episodes that became new cases in the partitions it
 *       covers (not duplicates of earlier ones) to the {@code written} listener, e.g. the tuning
 *       scheduler. It runs after the commit, so that a crash never tells it an episode twice (it
 *       may lose some for the listener, not for the store); a listener that throws is logged and
 *       does not fail anything. New cases written by a partition that then failed are remembered
 *       and counted when its redelivery succeeds.</li>
 * </ol>
 *
 * <p>Only offsets of partitions that completed every step reach an index commit, and only the
 * offsets an index commit holds may then be committed to Kafka. Not thread-safe by design: the
 * {@link IngestActor} runs one batch or commit at a time.
 */
public final class BatchWriter {

    private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);
    /** Bounds the memory of new cases written by failed partitions (a revoked partition never returns). */
    private static final int MAX_UNANNOUNCED = 100_000;

    private final CaseStore store;
    private final Embedder embedder;
    private final FeedbackDecoder decoder;
    private final DeadLetterSink deadLetters;
    private final Retry storeRetry;
    private final ScheduledExecutorService scheduler;
    private final Executor blocking;
    private final NodeMetrics metrics;
    private final Consumer<List<Episode>> written;
    /** New cases that a failed partition wrote, by event id: counted and announced when their redelivery succeeds. */
    private final Map<String, Episode> unannounced = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Episode> eldest) {
            return size() > MAX_UNANNOUNCED;
        }
    };
    /** New cases of partitions written since the last index commit: told to the listener once a commit holds them. */
    private final List<Episode> uncommitted = new ArrayList<>();

    /** As the full constructor, with no listener for written episodes. */
    public BatchWriter(
            CaseStore store,
            Embedder embedder,
            FeedbackDecoder decoder,
            DeadLetterSink deadLetters,
            Retry storeRetry,
            ScheduledExecutorService scheduler,
            Executor blocking,
            NodeMetrics metrics) {
        this(store, embedder, decoder, deadLetters, storeRetry, scheduler, blocking, metrics, episodes -> {});
    }

    /**
     * @param embedder {@code null} for BM25-only cases
     * @param storeRetry the {@code engram.store-write} retry
     * @param scheduler schedules retry backoffs (no thread is held while waiting)
     * @param blocking runs the store and embedder calls
     * @param written told, after each index commit, the episodes that became new cases in the
     *     batches it made durable
     */
    public BatchWriter(
            CaseStore store,
            Embedder embedder,
            FeedbackDecoder decoder,
            DeadLetterSink deadLetters,
            Retry storeRetry,
            ScheduledExecutorService scheduler,
            Executor blocking,
            NodeMetrics metrics,
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
     * As {@link #write(IngestBatch, Map, Set, boolean)}, ending with an index commit: the batch is
     * durable when the stage completes.
     */
    public CompletionStage<BatchResult> write(
            IngestBatch batch, Map<TopicPartition, Long> writtenOffsets, Set<TopicPartition> isolate) {
        return write(batch, writtenOffsets, isolate, true);
    }

    /**
     * Writes what it can of the batch, partition by partition, and when {@code commit} is set ends
     * with an index commit that records {@code writtenOffsets} advanced by the partitions that
     * succeeded. The stage always completes with a result ({@link BatchResult.Done},
     * {@link BatchResult.Partial} or {@link BatchResult.Failed}), never exceptionally; its offsets
     * are those written (searchable), durable only once an index commit holds them.
     *
     * @param writtenOffsets every partition's offsets the index holds now, committed or not
     * @param isolate partitions whose records kept failing: write them record by record and
     *     dead-letter the ones that fail (see the class comment)
     * @param commit whether to end with an index commit (else a later {@link #commit} makes the
     *     batch durable)
     */
    public CompletionStage<BatchResult> write(
            IngestBatch batch, Map<TopicPartition, Long> writtenOffsets, Set<TopicPartition> isolate, boolean commit) {
        long start = System.nanoTime();
        return Async.supply(() -> prepare(batch, isolate), blocking)
                .thenCompose(this::writePartitions)
                .thenCompose(parts -> blameSuspects(parts, writtenOffsets))
                .thenCompose(this::publishDeadLetters)
                .thenCompose(parts ->
                        commit ? commitWritten(parts, writtenOffsets) : CompletableFuture.completedFuture(parts))
                .thenApply(parts -> result(parts, commit, Duration.ofNanos(System.nanoTime() - start)))
                .exceptionally(failure -> {
                    Throwable cause = Async.unwrap(failure);
                    return new BatchResult.Failed("ingest: " + cause, cause);
                });
    }

    /**
     * Commits the index with everything written so far and {@code writtenOffsets} (under the
     * {@code engram.store-write} retry), then tells the listener the new cases it made durable. The
     * stage fails when the commit does (the store has then rolled back to its last commit).
     *
     * @param writtenOffsets every partition's offsets the index holds now (the batches written
     *     since the last commit included)
     */
    public CompletionStage<Void> commit(Map<TopicPartition, Long> writtenOffsets) {
        return commitWithRetry(writtenOffsets).whenComplete((v, failure) -> {
            if (failure == null) {
                notifyCommitted();
            } else {
                uncommitted.clear(); // rolled back: the stream writes them again, and they are told then
            }
        });
    }

    /**
     * All or nothing, for callers that hand over whole batches: as {@link #write(IngestBatch, Map,
     * Set)}, failing when any partition failed (the partitions that succeeded are durable
     * nonetheless, and a redelivery finds them as duplicates).
     *
     * @param offsetsAfter the offsets to record, this batch's included
     */
    public CompletionStage<BatchOutcome> write(IngestBatch batch, Map<TopicPartition, Long> offsetsAfter) {
        return write(batch, offsetsAfter, Set.of()).thenApply(result -> {
            if (result instanceof BatchResult.Done done) {
                return done.outcome();
            }
            BatchResult.Failed failed = result instanceof BatchResult.Partial partial
                    ? partial.failed().values().iterator().next()
                    : (BatchResult.Failed) result;
            throw new IllegalStateException("batch not written: " + failed.reason(), failed.cause());
        });
    }

    private List<PartitionWrite> prepare(IngestBatch batch, Set<TopicPartition> isolate) {
        Map<TopicPartition, List<SourceRecord>> byPartition = new LinkedHashMap<>();
        for (SourceRecord record : batch.records()) {
            byPartition
                    .computeIfAbsent(record.topicPartition(), tp -> new ArrayList<>())
                    .add(record);
        }
        List<PartitionWrite> parts = new ArrayList<>();
        List<DecodedRecord.Valid> allValid = new ArrayList<>();
        byPartition.forEach((tp, records) -> {
            PartitionWrite part = new PartitionWrite(tp, records, isolate.contains(tp));
            for (SourceRecord record : records) {
                DecodedRecord decoded = decoder.decode(record);
                if (decoded instanceof DecodedRecord.Valid valid) {
                    part.valid.add(valid);
                } else {
                    part.invalid.add(((DecodedRecord.Invalid) decoded).deadLetter());
                }
            }
            allValid.addAll(part.valid);
            parts.add(part);
        });
        // One embedder call for the whole batch: it is the expensive step and batches well.
        List<float[]> vectors = embed(allValid);
        int at = 0;
        for (PartitionWrite part : parts) {
            part.vectors = vectors == null ? null : vectors.subList(at, at + part.valid.size());
            at += part.valid.size();
        }
        return parts;
    }

    private List<float[]> embed(List<DecodedRecord.Valid> valid) {
        if (embedder == null || valid.isEmpty()) {
            return null;
        }
        List<String> texts = valid.stream().map(v -> caseText(v.episode())).toList();
        try {
            return new ArrayList<>(embedder.embedDocuments(texts));
        } catch (RuntimeException batchFailure) {
            log.warn(
                    "embedding a batch of {} failed ({}); embedding one by one", texts.size(), batchFailure.toString());
            List<float[]> vectors = new ArrayList<>(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                try {
                    vectors.add(embedder.embedDocuments(List.of(texts.get(i))).get(0));
                } catch (RuntimeException e) {
                    log.warn(
                            "case {} is stored without a vector: embedding failed: {}",
                            valid.get(i).episode().eventId(),
                            e.toString());
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

    /** One partition after the other (the store has one writer), each failing alone. */
    private CompletableFuture<List<PartitionWrite>> writePartitions(List<PartitionWrite> parts) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (PartitionWrite part : parts) {
            chain = chain.thenCompose(v -> writePartition(part));
        }
        return chain.thenApply(v -> parts);
    }

    private CompletableFuture<Void> writePartition(PartitionWrite part) {
        if (part.valid.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (part.isolate) {
            return Async.supply(() -> writeIsolated(part), blocking);
        }
        return storeRetry
                .executeCompletionStage(scheduler, () -> Async.supply(() -> writeAttempt(part), blocking))
                .toCompletableFuture()
                .handle((v, failure) -> {
                    if (failure != null) {
                        part.fail("store", Async.unwrap(failure));
                    }
                    return null;
                });
    }

    private Void writeAttempt(PartitionWrite part) {
        part.attempts++;
        part.rejected.clear();
        for (int i = 0; i < part.valid.size(); i++) {
            DecodedRecord.Valid v = part.valid.get(i);
            try {
                applied(part, v, store.ingest(v.episode(), vector(part, i)));
            } catch (IllegalArgumentException e) {
                part.rejected.add(decoder.rejected(v.source(), "store: rejected by the case store: " + e.getMessage()));
            }
        }
        return null;
    }

    private Void writeIsolated(PartitionWrite part) {
        part.attempts++;
        for (int i = 0; i < part.valid.size(); i++) {
            DecodedRecord.Valid v = part.valid.get(i);
            try {
                applied(part, v, store.ingest(v.episode(), vector(part, i)));
            } catch (IllegalArgumentException e) {
                part.rejected.add(decoder.rejected(v.source(), "store: rejected by the case store: " + e.getMessage()));
            } catch (RuntimeException e) {
                part.suspects.add(new PartitionWrite.Suspect(v, e));
            }
        }
        return null;
    }

    private static float[] vector(PartitionWrite part, int i) {
        return part.vectors == null ? null : part.vectors.get(i);
    }

    private void applied(PartitionWrite part, DecodedRecord.Valid v, boolean isNew) {
        String id = v.episode().eventId();
        if ((isNew || unannounced.remove(id) != null) && part.written.putIfAbsent(id, v.episode()) == null) {
            part.newCases++;
        }
    }

    /**
     * Suspects are blamed only if the index commits: a commit that advances no offset of this batch
     * (only those of batches written before it), so it makes nothing durable that a redelivery would
     * not write again.
     */
    private CompletionStage<List<PartitionWrite>> blameSuspects(
            List<PartitionWrite> parts, Map<TopicPartition, Long> writtenOffsets) {
        if (parts.stream().allMatch(p -> p.suspects.isEmpty())) {
            return CompletableFuture.completedFuture(parts);
        }
        return commitWithRetry(writtenOffsets).handle((v, failure) -> {
            for (PartitionWrite part : parts) {
                for (PartitionWrite.Suspect s : part.suspects) {
                    if (failure == null) {
                        log.warn(
                                "{}: record {} fails alone while the index commits; dead-lettering it: {}",
                                part.partition,
                                s.record().source(),
                                s.error().toString());
                        part.isolated.add(decoder.rejected(s.record().source(), "store: " + s.error()));
                    } else {
                        part.fail(
                                "store",
                                new IllegalStateException(
                                        "record " + s.record().source()
                                                + " failed (" + s.error() + ") and so did the index commit ("
                                                + Async.unwrap(failure)
                                                + "): the store is failing, no record is blamed",
                                        s.error()));
                    }
                }
            }
            return parts;
        });
    }

    private CompletableFuture<List<PartitionWrite>> publishDeadLetters(List<PartitionWrite> parts) {
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (PartitionWrite part : parts) {
            if (part.failed() || part.deadLetters().isEmpty()) {
                continue;
            }
            sends.add(deadLetters
                    .publish(part.deadLetters())
                    .toCompletableFuture()
                    .handle((v, failure) -> {
                        if (failure != null) {
                            part.fail("dead letters", Async.unwrap(failure));
                        }
                        return null;
                    }));
        }
        return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).thenApply(v -> parts);
    }

    private CompletionStage<List<PartitionWrite>> commitWritten(
            List<PartitionWrite> parts, Map<TopicPartition, Long> writtenOffsets) {
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        parts.stream().filter(p -> !p.failed()).forEach(p -> next.put(p.partition, p.nextOffset()));
        if (next.isEmpty()) {
            return CompletableFuture.completedFuture(parts);
        }
        return commitWithRetry(OffsetCommitData.advance(writtenOffsets, next)).handle((v, failure) -> {
            if (failure != null) {
                parts.forEach(p -> p.fail("index commit", Async.unwrap(failure)));
                uncommitted.clear(); // rolled back: the stream writes them again, and they are told then
            }
            return parts;
        });
    }

    private CompletionStage<Void> commitWithRetry(Map<TopicPartition, Long> offsets) {
        long start = System.nanoTime();
        return storeRetry
                .executeCompletionStage(
                        scheduler,
                        () -> Async.supply(
                                () -> {
                                    store.commit(OffsetCommitData.write(store.committedData(), offsets));
                                    return null;
                                },
                                blocking))
                .thenRun(() -> metrics.indexCommitted(Duration.ofNanos(System.nanoTime() - start)));
    }

    private BatchResult result(List<PartitionWrite> parts, boolean committed, Duration took) {
        List<PartitionWrite> durable = parts.stream().filter(p -> !p.failed()).toList();
        List<PartitionWrite> failed =
                parts.stream().filter(PartitionWrite::failed).toList();
        failed.forEach(p -> unannounced.putAll(p.written));
        if (durable.isEmpty()) {
            String reason = failed.size() == 1
                    ? failed.get(0).failure().reason()
                    : failed.stream()
                            .map(p -> p.partition + " " + p.failure().reason())
                            .collect(Collectors.joining("; "));
            return new BatchResult.Failed(reason, failed.get(0).failure().cause());
        }
        BatchOutcome outcome = outcome(durable, took);
        metrics.batchDone(outcome.ingested(), outcome.duplicates(), outcome.invalid(), outcome.deadLettered(), took);
        durable.forEach(p -> uncommitted.addAll(p.written.values()));
        if (committed) {
            notifyCommitted();
        }
        if (failed.isEmpty()) {
            return new BatchResult.Done(outcome);
        }
        Map<TopicPartition, BatchResult.Failed> failures = new LinkedHashMap<>();
        failed.forEach(p -> failures.put(p.partition, p.failure()));
        return new BatchResult.Partial(outcome, failures);
    }

    private static BatchOutcome outcome(List<PartitionWrite> durable, Duration took) {
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        int records = 0;
        int newCases = 0;
        int duplicates = 0;
        int invalid = 0;
        int letters = 0;
        int attempts = 1;
        for (PartitionWrite p : durable) {
            next.put(p.partition, p.nextOffset());
            records += p.records.size();
            newCases += p.newCases;
            duplicates += p.duplicates();
            invalid += p.invalid.size() + p.rejected.size() + p.isolated.size();
            letters += p.deadLetters().size();
            attempts = Math.max(attempts, p.attempts);
        }
        return new BatchOutcome(next, records, newCases, duplicates, invalid, letters, attempts, took);
    }

    private void notifyCommitted() {
        if (uncommitted.isEmpty()) {
            return;
        }
        List<Episode> episodes = List.copyOf(uncommitted);
        uncommitted.clear();
        try {
            written.accept(episodes);
        } catch (RuntimeException e) {
            log.warn("the listener for {} written episodes failed: {}", episodes.size(), e.toString());
        }
    }
}
