package dev.engram.node.ingest;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link FeedbackConsumer}'s place in its group: the partitions it owns, where each resumes,
 * and which of their offsets Kafka holds. It is the consumer's rebalance listener, so every method
 * runs on the consumer's thread (the callbacks inside its {@code poll}); only {@link #assigned()}
 * is read from others.
 *
 * <p>Only offsets that an index commit holds go to Kafka ({@link #commitDurable}): never one the
 * index could still lose. On assignment a partition resumes from the offsets of the index commit
 * (the beginning when it has none), so a wiped or lagging index is rebuilt from the stream and
 * never skips what it does not hold. On revocation the batch in flight is awaited (bounded), the
 * index is committed, and the offsets it holds are committed to Kafka while the partitions are
 * still ours, so their next owner resumes exactly; a lost partition is dropped with no commit.
 *
 * <pre>{@code
 * AssignedPartitions partitions = new AssignedPartitions(writer::durableOffsets, commitIndex,
 *         batchTimeout, () -> inFlight, failing, lag, FeedbackConsumer.NO_OWNERSHIP);
 * partitions.attach(consumer);
 * consumer.subscribe(List.of(Topics.FEEDBACK), partitions);
 * }</pre>
 */
final class AssignedPartitions implements ConsumerRebalanceListener {

    // Logs as the consumer it serves: operators read one logger for the consumer's partitions.
    private static final Logger log = LoggerFactory.getLogger(FeedbackConsumer.class);
    private static final Duration GROUP_OFFSETS_TIMEOUT = Duration.ofSeconds(5);

    private final Supplier<Map<TopicPartition, Long>> durableOffsets;
    private final Supplier<CompletionStage<Map<TopicPartition, Long>>> commitIndex;
    private final Duration batchTimeout;
    private final Supplier<CompletableFuture<BatchResult>> inFlight;
    private final FailingPartitions failing;
    private final PartitionLag lag;
    private final ConsumerRebalanceListener ownership;
    private Consumer<String, byte[]> consumer;
    private volatile Set<TopicPartition> assigned = Set.of();
    /** Per owned partition, the offset Kafka holds for the group: what this consumer committed, or found on assignment. */
    private final Map<TopicPartition, Long> committedToKafka = new HashMap<>();

    /**
     * @param durableOffsets the offsets the index commit covers
     * @param commitIndex has the ingest actor commit the index now; the stage completes with the
     *     offsets the index commit then covers
     * @param batchTimeout how long a revocation waits for the batch in flight, and for the index commit
     * @param inFlight the batch with the ingest actor, or {@code null}
     * @param failing forgets the partitions that leave
     * @param lag forgets the partitions that leave
     * @param ownership told of every partition assigned, revoked or lost, after it is handled here
     */
    AssignedPartitions(
            Supplier<Map<TopicPartition, Long>> durableOffsets,
            Supplier<CompletionStage<Map<TopicPartition, Long>>> commitIndex,
            Duration batchTimeout,
            Supplier<CompletableFuture<BatchResult>> inFlight,
            FailingPartitions failing,
            PartitionLag lag,
            ConsumerRebalanceListener ownership) {
        this.durableOffsets = Objects.requireNonNull(durableOffsets, "durableOffsets");
        this.commitIndex = Objects.requireNonNull(commitIndex, "commitIndex");
        this.batchTimeout = Objects.requireNonNull(batchTimeout, "batchTimeout");
        this.inFlight = Objects.requireNonNull(inFlight, "inFlight");
        this.failing = Objects.requireNonNull(failing, "failing");
        this.lag = Objects.requireNonNull(lag, "lag");
        this.ownership = Objects.requireNonNull(ownership, "ownership");
    }

    /** The Kafka consumer whose partitions these are, until {@link #detach()}. */
    void attach(Consumer<String, byte[]> consumer) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
    }

    /** The consumer is closed: it owns nothing, and what Kafka holds is read again on the next assignment. */
    void detach() {
        consumer = null;
        assigned = Set.of();
        committedToKafka.clear();
    }

    /** The partitions assigned right now. */
    Set<TopicPartition> assigned() {
        return assigned;
    }

    /**
     * Commits to Kafka the offsets of {@code partitions} (those still ours) that the index commit
     * holds beyond what this consumer committed: never an offset the index could still lose.
     */
    void commitDurable(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> durable = durableOffsets.get();
        Set<TopicPartition> owned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long offset = durable.get(tp);
            if (offset != null && owned.contains(tp) && offset > committedToKafka.getOrDefault(tp, -1L)) {
                commits.put(tp, new OffsetAndMetadata(offset));
            }
        }
        if (commits.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(commits);
            commits.forEach((tp, offset) -> committedToKafka.put(tp, offset.offset()));
        } catch (KafkaException e) {
            // The index already holds these offsets and resumes from them; Kafka's copy is for lag.
            log.warn("committing offsets {} to Kafka failed: {}", commits, e.toString());
        }
    }

    /**
     * The consumer stops: has the index commit what is written (within {@code grace}) and commits
     * to Kafka the offsets that commit holds, while the partitions are still ours.
     */
    void commitBeforeStop(Duration grace) {
        if (assigned.isEmpty()) {
            return;
        }
        commitIndexNow(grace, "stopping");
        try {
            commitDurable(assigned);
        } catch (RuntimeException e) {
            log.warn("committing offsets to Kafka while stopping failed: {}", e.toString());
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        CompletableFuture<BatchResult> pending = inFlight.get();
        if (pending != null && !partitions.isEmpty()) {
            try {
                pending.get(batchTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                log.warn(
                        "revoking {} with a batch that did not finish ({}); its records will be redelivered",
                        partitions,
                        e.toString());
            }
        }
        if (!partitions.isEmpty()) {
            // Durable before they are handed away: their next owner resumes from this commit, exactly.
            commitIndexNow(batchTimeout, "revoking " + partitions);
            commitDurable(partitions);
        }
        forget(partitions);
        log.info("partitions revoked: {}", partitions);
        ownership.onPartitionsRevoked(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        forget(partitions);
        log.warn("partitions lost (no commit possible): {}", partitions);
        ownership.onPartitionsLost(partitions);
    }

    /** Drops what is kept about partitions this consumer no longer owns. */
    private void forget(Collection<TopicPartition> partitions) {
        Set<TopicPartition> left = new HashSet<>(assigned);
        left.removeAll(partitions);
        assigned = Set.copyOf(left);
        committedToKafka.keySet().removeAll(partitions);
        failing.forget(partitions);
        lag.forget(partitions);
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
        if (inFlight.get() != null) {
            consumer.pause(partitions);
        }
        groupOffsets(partitions);
        Set<TopicPartition> now = new HashSet<>(assigned);
        now.addAll(partitions);
        assigned = Set.copyOf(now);
        log.info("partitions assigned: {} (resuming from index offsets {})", partitions, durable);
        ownership.onPartitionsAssigned(partitions);
    }

    /** Has the ingest actor commit the index now (bounded), so that what is written becomes durable. */
    private void commitIndexNow(Duration bound, String why) {
        try {
            commitIndex.get().toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while committing the index ({}); what it did not commit is replayed", why);
        } catch (Exception e) {
            log.warn(
                    "committing the index ({}) did not finish: {}; what it did not commit is replayed",
                    why,
                    e.toString());
        }
    }

    /**
     * Reads what Kafka holds for the group, so that an index commit ahead of it (a crash between the
     * two commits, or a stop whose Kafka commit failed) is committed on the next turn of the loop
     * even when no record follows, and one behind it (another node went further) is not committed
     * over it.
     */
    private void groupOffsets(Collection<TopicPartition> partitions) {
        try {
            consumer.committed(Set.copyOf(partitions), GROUP_OFFSETS_TIMEOUT).forEach((tp, committed) -> {
                if (committed != null) {
                    committedToKafka.put(tp, committed.offset());
                }
            });
        } catch (KafkaException e) {
            log.warn("reading the group's committed offsets of {} failed: {}", partitions, e.toString());
        }
    }
}
