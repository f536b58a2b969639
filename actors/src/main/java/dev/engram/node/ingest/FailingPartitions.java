package dev.engram.node.ingest;

import dev.engram.node.internal.NodeMetrics;
import io.github.resilience4j.retry.Retry;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's partitions whose last delivery failed, each with its {@link PartitionProgress}
 * under the {@code engram.ingest.partition} retry. Updated by the consumer thread only; what
 * {@link #stalls()} returns is an immutable snapshot that any thread may read (for
 * {@code /health}), also counted in {@code engram_ingest_partitions_stalled}.
 */
final class FailingPartitions {

    private static final Logger log = LoggerFactory.getLogger(FeedbackConsumer.class);

    private final Retry retry;
    private final NodeMetrics metrics;
    private final Map<TopicPartition, PartitionProgress> failing = new HashMap<>();
    private volatile List<PartitionStall> stalls = List.of();

    FailingPartitions(Retry retry, NodeMetrics metrics) {
        this.retry = retry;
        this.metrics = metrics;
    }

    /** The ones of {@code partitions} whose next delivery isolates the record that fails. */
    Set<TopicPartition> isolating(Collection<TopicPartition> partitions) {
        Set<TopicPartition> isolate = new HashSet<>();
        for (TopicPartition tp : partitions) {
            PartitionProgress p = failing.get(tp);
            if (p != null && p.isolating()) {
                isolate.add(tp);
            }
        }
        return isolate;
    }

    /** Records that a delivery of {@code tp} from {@code offset} failed; returns the backoff in milliseconds. */
    long failed(TopicPartition tp, long offset, BatchResult.Failed why, Instant now, long nowNanos) {
        PartitionProgress progress = failing.computeIfAbsent(tp, p -> new PartitionProgress(p, retry));
        boolean wasIsolating = progress.isolating();
        long wait = progress.failed(why, now, nowNanos);
        if (progress.isolating() && !wasIsolating) {
            log.warn(
                    "{} failed {} deliveries from offset {} ({}); isolating the record that fails",
                    tp,
                    progress.failures(),
                    offset,
                    why.reason());
        } else if (wasIsolating) {
            log.error(
                    "{} still fails from offset {} while isolating records ({}): the store or the dead-letter"
                            + " topic itself is failing; redelivering in {} ms",
                    tp,
                    offset,
                    why.reason(),
                    wait);
        } else {
            log.warn(
                    "{} failed from offset {} ({}); redelivering it in {} ms, the other partitions go on",
                    tp,
                    offset,
                    why.reason(),
                    wait);
        }
        publish();
        return wait;
    }

    /** These partitions' records became durable: they move again. */
    void moved(Collection<TopicPartition> partitions) {
        boolean changed = false;
        for (TopicPartition tp : partitions) {
            PartitionProgress progress = failing.remove(tp);
            if (progress != null) {
                progress.moved();
                changed = true;
                log.info("{} moves again after {} failed deliveries", tp, progress.failures());
            }
        }
        if (changed) {
            publish();
        }
    }

    /** These partitions are no longer ours (revoked, lost, consumer closed). */
    void forget(Collection<TopicPartition> partitions) {
        if (failing.keySet().removeAll(partitions)) {
            publish();
        }
    }

    void clear() {
        failing.clear();
        publish();
    }

    /** Whether {@code tp} may be fetched again: it is not failing, or its backoff is over. */
    boolean due(TopicPartition tp, long nowNanos) {
        PartitionProgress progress = failing.get(tp);
        return progress == null || progress.due(nowNanos);
    }

    /** The partitions that do not move, in partition order. */
    List<PartitionStall> stalls() {
        return stalls;
    }

    private void publish() {
        List<PartitionStall> now = failing.values().stream()
                .map(PartitionProgress::stall)
                .sorted(Comparator.comparing((PartitionStall s) -> s.partition().topic())
                        .thenComparingInt(s -> s.partition().partition()))
                .toList();
        stalls = now;
        metrics.partitionsStalled(now.size());
    }
}
