package dev.engram.node.ingest;

import dev.engram.node.internal.Async;
import dev.engram.node.internal.NodeMetrics;
import io.github.resilience4j.retry.Retry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one feedback consumer, on its own thread ({@code KafkaConsumer} is single-threaded).
 *
 * <p><b>Why one thread with pause/resume rather than a thread per partition:</b> the index is one
 * Lucene writer that commits all partitions' offsets atomically, so one batch per poll across the
 * assigned partitions is one write, and the ingest actor's commits span batches of every
 * partition, where per-partition threads would each force their own commit of the same index; one
 * group member per node also keeps rebalances cheap. While a batch is with the ingest actor every
 * assigned partition is paused and the thread keeps polling, so the consumer stays in its group,
 * rebalance callbacks run promptly, and no new records arrive until the batch is written. Per
 * partition the order is Kafka's.
 *
 * <p><b>Partitions fail alone.</b> Each partition of a batch succeeds or fails on its own
 * ({@link BatchResult.Partial}). A failing partition is rewound to its first offset in the batch
 * and paused for a backoff under the {@code engram.ingest.partition} retry, while the other
 * partitions keep being polled and written. When that retry's attempts are spent, the partition's
 * next delivery <i>isolates</i>: its records are written one by one and the one that fails is
 * dead-lettered with the stage that failed, so the partition moves on. Until it moves,
 * {@link #stalledPartitions()} names it (health says DEGRADED).
 *
 * <p><b>Offsets:</b> only offsets that an index commit holds are committed to Kafka: after each
 * answer and on every turn of the poll loop, the offsets of the last index commit that moved past
 * what this consumer committed (the actor commits the index on its own schedule,
 * {@link IndexCommitPolicy}); a failed partition's never. A timeout counts as a failure of every
 * partition of the batch. On assignment each partition resumes from the offsets recorded in the
 * index commit (the beginning when the index has none), so a wiped or lagging index is rebuilt
 * from the stream and never skips what it does not hold. On revocation the batch in flight is
 * awaited (bounded), the index is committed, and the offsets it holds are committed to Kafka
 * while the partitions are still ours, so their next owner resumes exactly; on stop the same.
 * That bookkeeping is the consumer's rebalance listener, {@code AssignedPartitions}.
 *
 * <p><b>Lag</b> is end offset minus the position up to which a partition is written, per
 * partition: a rewound partition counts the records it has to read again, and a batch in flight
 * counts until it is written (searchable).
 */
public final class FeedbackConsumer implements Runnable {

    /**
     * Lifecycle of the consumer thread, shown by {@code GET /health}: {@code RESTARTING} after a
     * failure of the Kafka consumer, which is then closed and recreated with exponential backoff.
     */
    public enum State {
        STARTING,
        RUNNING,
        RESTARTING,
        STOPPED
    }

    private static final Logger log = LoggerFactory.getLogger(FeedbackConsumer.class);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);
    private static final Duration RESTART_MIN_BACKOFF = Duration.ofSeconds(1);
    private static final Duration RESTART_MAX_BACKOFF = Duration.ofSeconds(30);

    private final Supplier<Consumer<String, byte[]>> consumers;
    private final Subscription subscription;
    private final BiFunction<IngestBatch, Set<TopicPartition>, CompletionStage<BatchResult>> ingest;
    private final NodeMetrics metrics;
    private final Duration pollTimeout;
    private final Duration batchTimeout;
    private final Clock clock;
    private final FailingPartitions failing;
    private final PartitionLag lag;
    private final AssignedPartitions assignedPartitions;

    /** A single node's ownership listener: nobody else needs to know which partitions it owns. */
    public static final ConsumerRebalanceListener NO_OWNERSHIP = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
    };

    private volatile boolean running = true;
    private volatile State state = State.STARTING;
    private volatile Throwable failure;
    private final Object stopSignal = new Object();
    private Consumer<String, byte[]> consumer;
    private CompletableFuture<BatchResult> inFlight;
    private Duration restartBackoff = RESTART_MIN_BACKOFF;
    /** The first offsets of the batch in flight: its records are fetched but not yet written. */
    private Map<TopicPartition, Long> inFlightFirst = Map.of();

    /**
     * What the consumer subscribes to: one topic by name, or every topic whose name matches a
     * pattern (e.g. the per-tenant feedback topics, {@code engram.feedback.<tenant>}; a topic created
     * later joins at the consumer's next metadata refresh, {@code metadata.max.age.ms}).
     */
    public record Subscription(String topic, Pattern topics) {

        public Subscription {
            if ((topic == null) == (topics == null)) {
                throw new IllegalArgumentException("a subscription is one topic or one pattern");
            }
        }

        public static Subscription topic(String topic) {
            return new Subscription(Objects.requireNonNull(topic, "topic"), null);
        }

        public static Subscription matching(Pattern topics) {
            return new Subscription(null, Objects.requireNonNull(topics, "topics"));
        }

        void subscribe(Consumer<String, byte[]> consumer, ConsumerRebalanceListener listener) {
            if (topic != null) {
                consumer.subscribe(List.of(topic), listener);
            } else {
                consumer.subscribe(topics, listener);
            }
        }
    }

    /**
     * @param consumers makes the Kafka consumer (manual commits; {@code max.poll.records} bounds a
     *     batch), again after a failure; each one is closed by this object
     * @param ingest hands a batch and the partitions to isolate to the ingest actor; the stage
     *     completes with its answer
     * @param durableOffsets the offsets the index commit covers
     * @param commitIndex has the ingest actor commit the index now; the stage completes with the
     *     offsets the index commit then covers
     * @param batchTimeout how long to wait for an answer before redelivering
     * @param partitionRetry the {@code engram.ingest.partition} retry: attempts and backoff of a
     *     failing partition before it isolates the record that fails
     * @param clock for when a partition started failing
     * @param ownership told of every partition assigned, revoked or lost, after this consumer has
     *     handled it (a cluster places the partition's shard on the node that owns it);
     *     {@link #NO_OWNERSHIP} on a single node
     */
    public FeedbackConsumer(
            Supplier<Consumer<String, byte[]>> consumers,
            Subscription subscription,
            BiFunction<IngestBatch, Set<TopicPartition>, CompletionStage<BatchResult>> ingest,
            Supplier<Map<TopicPartition, Long>> durableOffsets,
            Supplier<CompletionStage<Map<TopicPartition, Long>>> commitIndex,
            NodeMetrics metrics,
            Duration pollTimeout,
            Duration batchTimeout,
            Retry partitionRetry,
            Clock clock,
            ConsumerRebalanceListener ownership) {
        this.subscription = Objects.requireNonNull(subscription, "subscription");
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.ingest = Objects.requireNonNull(ingest, "ingest");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.pollTimeout = Objects.requireNonNull(pollTimeout, "pollTimeout");
        this.batchTimeout = Objects.requireNonNull(batchTimeout, "batchTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.failing = new FailingPartitions(Objects.requireNonNull(partitionRetry, "partitionRetry"), metrics);
        this.lag = new PartitionLag(metrics, pollTimeout.multipliedBy(5));
        this.assignedPartitions = new AssignedPartitions(
                durableOffsets, commitIndex, batchTimeout, () -> inFlight, failing, lag, ownership);
    }

    public State state() {
        return state;
    }

    /** The partitions assigned right now. */
    public Set<TopicPartition> assignment() {
        return assignedPartitions.assigned();
    }

    /**
     * The assigned partitions that are not making progress (their last delivery failed), by
     * partition; empty when every partition moves.
     */
    public List<PartitionStall> stalledPartitions() {
        return failing.stalls();
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
                assignedPartitions.attach(consumer);
                subscription.subscribe(consumer, assignedPartitions);
                state = State.RUNNING;
                while (running) {
                    ConsumerRecords<String, byte[]> records = consumer.poll(pollTimeout);
                    if (!records.isEmpty()) {
                        handle(IngestBatch.of(records));
                    }
                    assignedPartitions.commitDurable(assignedPartitions.assigned());
                    resumeDue();
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
                        ? RESTART_MAX_BACKOFF
                        : restartBackoff.multipliedBy(2);
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
        assignedPartitions.detach();
        failing.clear();
        lag.clear();
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
        Set<TopicPartition> isolate = failing.isolating(batch.firstOffsets().keySet());
        CompletableFuture<BatchResult> future = ingest.apply(batch, isolate).toCompletableFuture();
        inFlight = future;
        inFlightFirst = batch.firstOffsets();
        // Measured as the batch is fetched, when all of it is still to be made durable: a batch written
        // within one poll would otherwise never show in the lag (the gauge's peak keeps it a while).
        updateLag();
        long deadline = System.nanoTime() + batchTimeout.toNanos();
        while (!future.isDone() && running && System.nanoTime() < deadline) {
            rewindAndPause(consumer.poll(pollTimeout));
            updateLag();
        }
        if (!future.isDone()) {
            if (!running) {
                return; // finishInFlight waits for it, bounded
            }
            failed(
                    batch,
                    batch.firstOffsets().keySet(),
                    new BatchResult.Failed(
                            "ingest: no answer for a batch of " + batch.size() + " records within " + batchTimeout,
                            null));
        } else {
            BatchResult result = result(future);
            if (result instanceof BatchResult.Done done) {
                assignedPartitions.commitDurable(done.outcome().nextOffsets().keySet());
                failing.moved(done.outcome().nextOffsets().keySet());
                restartBackoff = RESTART_MIN_BACKOFF;
            } else if (result instanceof BatchResult.Partial partial) {
                assignedPartitions.commitDurable(partial.outcome().nextOffsets().keySet());
                failing.moved(partial.outcome().nextOffsets().keySet());
                partial.failed().forEach((tp, why) -> failed(batch, Set.of(tp), why));
            } else {
                failed(batch, batch.firstOffsets().keySet(), (BatchResult.Failed) result);
            }
        }
        inFlight = null;
        inFlightFirst = Map.of();
        resumeDue();
    }

    /**
     * The partitions' records in {@code batch} failed: rewind each to its first offset there and
     * keep it paused for its backoff; the other partitions go on meanwhile.
     */
    private void failed(IngestBatch batch, Set<TopicPartition> partitions, BatchResult.Failed why) {
        Map<TopicPartition, Long> first = batch.firstOffsets();
        Set<TopicPartition> owned = consumer.assignment();
        for (TopicPartition tp : partitions) {
            metrics.batchFailed();
            if (!owned.contains(tp)) {
                continue; // revoked meanwhile: its new owner resumes from the index commit
            }
            consumer.seek(tp, first.get(tp));
            consumer.pause(List.of(tp));
            failing.failed(tp, first.get(tp), why, clock.instant(), System.nanoTime());
        }
    }

    /** Resumes the paused partitions whose backoff is over (all of them, unless some are failing). */
    private void resumeDue() {
        Set<TopicPartition> paused = consumer.paused();
        if (paused.isEmpty() || inFlight != null) {
            return;
        }
        long now = System.nanoTime();
        List<TopicPartition> due = new ArrayList<>();
        for (TopicPartition tp : paused) {
            if (failing.due(tp, now)) {
                due.add(tp);
            }
        }
        consumer.resume(due);
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

    private static BatchResult result(CompletableFuture<BatchResult> future) {
        try {
            return future.join();
        } catch (RuntimeException e) {
            Throwable cause = Async.unwrap(e);
            return new BatchResult.Failed(cause.toString(), cause);
        }
    }

    /**
     * Waits (bounded) for a batch still with the actor, has the index commit what is written, and
     * commits to Kafka the offsets that commit holds.
     */
    private void finishInFlight() {
        CompletableFuture<BatchResult> pending = inFlight;
        inFlight = null;
        if (consumer == null) {
            return;
        }
        if (pending != null) {
            try {
                pending.get(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                log.warn("stopping with a batch still in flight; it will be redelivered on restart");
            } catch (Exception e) {
                log.debug("batch in flight at shutdown failed; it will be redelivered: {}", e.toString());
            }
        }
        assignedPartitions.commitBeforeStop(SHUTDOWN_GRACE);
    }

    private void updateLag() {
        lag.update(consumer, assignedPartitions.assigned(), inFlightFirst);
    }
}
