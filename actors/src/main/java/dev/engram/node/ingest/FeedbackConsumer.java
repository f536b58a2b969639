package dev.engram.node.ingest;

import dev.engram.node.internal.Async;
import dev.engram.node.internal.NodeMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one feedback consumer, on its own thread ({@code KafkaConsumer} is single-threaded).
 *
 * <p><b>Why one thread with pause/resume rather than a thread per partition:</b> the index is one
 * Lucene writer that commits all partitions' offsets atomically, so one batch per poll across the
 * assigned partitions gives one index commit per batch, where per-partition threads would each
 * force their own commit of the same index; one group member per node also keeps rebalances
 * cheap. While a batch is with the ingest actor every assigned partition is paused and the thread
 * keeps polling, so the consumer stays in its group, rebalance callbacks run promptly, and no new
 * records arrive until the batch is durable. Per partition the order is Kafka's.
 *
 * <p><b>Offsets:</b> after the actor answers {@link BatchResult.Done} (the index commit covers the
 * batch) the batch's offsets are committed synchronously. On {@link BatchResult.Failed} or a
 * timeout nothing is committed: the batch's partitions are rewound to its first offsets and
 * redelivered after a backoff. On assignment each partition resumes from the offsets recorded in
 * the index commit (the beginning when the index has none), so a wiped or lagging index is rebuilt
 * from the stream and never skips what it does not hold. On revocation the batch in flight is
 * awaited (bounded) and its offsets committed while the partitions are still ours.
 */
public final class FeedbackConsumer implements Runnable {

    /**
     * Lifecycle of the consumer thread, shown by {@code GET /health}: {@code RESTARTING} after a
     * failure of the Kafka consumer, which is then closed and recreated with exponential backoff.
     */
    public enum State { STARTING, RUNNING, RESTARTING, STOPPED }

    private static final Logger log = LoggerFactory.getLogger(FeedbackConsumer.class);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);
    private static final Duration RESTART_MIN_BACKOFF = Duration.ofSeconds(1);
    private static final Duration RESTART_MAX_BACKOFF = Duration.ofSeconds(30);

    private final Supplier<Consumer<String, byte[]>> consumers;
    private final String topic;
    private final Function<IngestBatch, CompletionStage<BatchResult>> ingest;
    private final Supplier<Map<TopicPartition, Long>> durableOffsets;
    private final NodeMetrics metrics;
    private final Duration pollTimeout;
    private final Duration batchTimeout;
    private final Duration redeliveryBackoff;

    private volatile boolean running = true;
    private volatile State state = State.STARTING;
    private volatile Set<TopicPartition> assigned = Set.of();
    private volatile Throwable failure;
    private final Object stopSignal = new Object();
    private Consumer<String, byte[]> consumer;
    private CompletableFuture<BatchResult> inFlight;
    private Duration restartBackoff = RESTART_MIN_BACKOFF;

    /**
     * @param consumers makes the Kafka consumer (manual commits; {@code max.poll.records} bounds a
     *     batch), again after a failure; each one is closed by this object
     * @param ingest hands a batch to the ingest actor; the stage completes with its answer
     * @param durableOffsets the offsets the index commit covers
     * @param batchTimeout how long to wait for an answer before redelivering
     */
    public FeedbackConsumer(Supplier<Consumer<String, byte[]>> consumers, String topic,
            Function<IngestBatch, CompletionStage<BatchResult>> ingest,
            Supplier<Map<TopicPartition, Long>> durableOffsets, NodeMetrics metrics, Duration pollTimeout,
            Duration batchTimeout, Duration redeliveryBackoff) {
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.ingest = Objects.requireNonNull(ingest, "ingest");
        this.durableOffsets = Objects.requireNonNull(durableOffsets, "durableOffsets");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.pollTimeout = pollTimeout;
        this.batchTimeout = batchTimeout;
        this.redeliveryBackoff = redeliveryBackoff;
    }

    public State state() {
        return state;
    }

    /** The partitions assigned right now. */
    public Set<TopicPartition> assignment() {
        return assigned;
    }

    /** The last failure of the Kafka consumer, or {@code null}. */
    public Throwable failure() {
        return failure;
    }

    /** Asks the thread to stop after the batch in flight (bounded); returns at once. */
    public void stop() {
        running = false;
        synchronized (stopSignal) {
            stopSignal.notifyAll();
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                consumer = consumers.get();
                consumer.subscribe(List.of(topic), new Rebalance());
                state = State.RUNNING;
                while (running) {
                    ConsumerRecords<String, byte[]> records = consumer.poll(pollTimeout);
                    if (!records.isEmpty()) {
                        handle(IngestBatch.of(records));
                    }
                    updateLag();
                }
            } catch (RuntimeException e) {
                // Supervision: the index and the group hold the durable position, so a fresh consumer
                // resumes where the last durable batch ended; nothing is lost, at worst replayed.
                failure = e;
                state = State.RESTARTING;
                log.error("feedback consumer failed; restarting it in {}: {}", restartBackoff, e.toString(), e);
            } finally {
                finishInFlight();
                closeConsumer();
            }
            if (running) {
                waitForStop(restartBackoff);
                restartBackoff = restartBackoff.multipliedBy(2).compareTo(RESTART_MAX_BACKOFF) > 0
                        ? RESTART_MAX_BACKOFF : restartBackoff.multipliedBy(2);
            }
        }
        state = State.STOPPED;
    }

    private void closeConsumer() {
        if (consumer == null) {
            return;
        }
        try {
            // Leave the group even as a static member, so that other nodes take the partitions over at once.
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        } catch (RuntimeException e) {
            log.warn("closing the feedback consumer: {}", e.toString());
        }
        consumer = null;
        assigned = Set.of();
    }

    private void waitForStop(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (stopSignal) {
            long left;
            while (running && (left = deadline - System.nanoTime()) > 0) {
                try {
                    stopSignal.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void handle(IngestBatch batch) {
        consumer.pause(consumer.assignment());
        CompletableFuture<BatchResult> future = ingest.apply(batch).toCompletableFuture();
        inFlight = future;
        long deadline = System.nanoTime() + batchTimeout.toNanos();
        while (!future.isDone() && running && System.nanoTime() < deadline) {
            rewindAndPause(consumer.poll(pollTimeout));
            updateLag();
        }
        if (!future.isDone()) {
            if (!running) {
                return; // finishInFlight waits for it, bounded
            }
            metrics.batchFailed();
            log.warn("no answer for a batch of {} records within {}; redelivering it", batch.size(), batchTimeout);
            rewind(batch);
        } else {
            BatchResult result = result(future);
            if (result instanceof BatchResult.Done done) {
                commit(done.outcome().nextOffsets());
                restartBackoff = RESTART_MIN_BACKOFF;
            } else {
                metrics.batchFailed();
                redeliver(batch, result);
            }
        }
        inFlight = null;
        consumer.resume(consumer.paused());
    }

    private void redeliver(IngestBatch batch, BatchResult result) {
        String reason = result instanceof BatchResult.Failed f ? f.reason() : String.valueOf(result);
        log.warn("batch of {} records not written ({}); redelivering after {}", batch.size(), reason,
                redeliveryBackoff);
        rewind(batch);
        long until = System.nanoTime() + redeliveryBackoff.toNanos();
        while (running && System.nanoTime() < until) {
            rewindAndPause(consumer.poll(pollTimeout));
        }
    }

    private void rewind(IngestBatch batch) {
        Set<TopicPartition> owned = consumer.assignment();
        batch.firstOffsets().forEach((tp, offset) -> {
            if (owned.contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
    }

    /** Records that arrive while a batch is in flight (a partition assigned meanwhile) are fetched again later. */
    private void rewindAndPause(ConsumerRecords<String, byte[]> stray) {
        if (stray.isEmpty()) {
            return;
        }
        for (TopicPartition tp : stray.partitions()) {
            List<ConsumerRecord<String, byte[]>> records = stray.records(tp);
            consumer.seek(tp, records.get(0).offset());
            consumer.pause(List.of(tp));
        }
    }

    private void commit(Map<TopicPartition, Long> nextOffsets) {
        Set<TopicPartition> owned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        nextOffsets.forEach((tp, offset) -> {
            if (owned.contains(tp)) {
                commits.put(tp, new OffsetAndMetadata(offset));
            }
        });
        if (commits.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(commits);
        } catch (KafkaException e) {
            // The index already holds these offsets and resumes from them; Kafka's copy is for lag.
            log.warn("committing offsets {} to Kafka failed: {}", commits, e.toString());
        }
    }

    private static BatchResult result(CompletableFuture<BatchResult> future) {
        try {
            return future.join();
        } catch (RuntimeException e) {
            Throwable cause = Async.unwrap(e);
            return new BatchResult.Failed(cause.toString(), cause);
        }
    }

    /** Waits (bounded) for a batch still with the actor and commits it if it became durable. */
    private void finishInFlight() {
        CompletableFuture<BatchResult> pending = inFlight;
        inFlight = null;
        if (pending == null || consumer == null) {
            return;
        }
        try {
            BatchResult result = pending.get(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            if (result instanceof BatchResult.Done done) {
                commit(done.outcome().nextOffsets());
            }
        } catch (TimeoutException e) {
            log.warn("stopping with a batch still in flight; it will be redelivered on restart");
        } catch (Exception e) {
            log.debug("batch in flight at shutdown failed; it will be redelivered: {}", e.toString());
        }
    }

    private void updateLag() {
        long lag = 0;
        for (TopicPartition tp : assigned) {
            lag += consumer.currentLag(tp).orElse(0L);
        }
        metrics.consumerLag(lag);
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            CompletableFuture<BatchResult> pending = inFlight;
            if (pending != null && !partitions.isEmpty()) {
                try {
                    BatchResult result = pending.get(batchTimeout.toMillis(), TimeUnit.MILLISECONDS);
                    if (result instanceof BatchResult.Done done) {
                        Map<TopicPartition, Long> revoked = new HashMap<>(done.outcome().nextOffsets());
                        revoked.keySet().retainAll(partitions);
                        commit(revoked);
                    }
                } catch (Exception e) {
                    log.warn("revoking {} with a batch that did not finish ({}); its records will be redelivered",
                            partitions, e.toString());
                }
            }
            Set<TopicPartition> left = new java.util.HashSet<>(assigned);
            left.removeAll(partitions);
            assigned = Set.copyOf(left);
            log.info("partitions revoked: {}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            Set<TopicPartition> left = new java.util.HashSet<>(assigned);
            left.removeAll(partitions);
            assigned = Set.copyOf(left);
            log.warn("partitions lost (no commit possible): {}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> durable = durableOffsets.get();
            for (TopicPartition tp : partitions) {
                Long offset = durable.get(tp);
                if (offset != null) {
                    consumer.seek(tp, offset);
                } else {
                    consumer.seekToBeginning(List.of(tp));
                }
            }
            if (inFlight != null) {
                consumer.pause(partitions);
            }
            Set<TopicPartition> now = new java.util.HashSet<>(assigned);
            now.addAll(partitions);
            assigned = Set.copyOf(now);
            log.info("partitions assigned: {} (resuming from index offsets {})", partitions, durable);
        }
    }
}
