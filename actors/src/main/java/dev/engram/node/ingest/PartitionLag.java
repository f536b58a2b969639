package dev.engram.node.ingest;

import dev.engram.node.internal.NodeMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lag gauges: per assigned partition, end offset minus the position up to which its records
 * are durable. For a partition of the batch in flight that is the batch's first offset, else the
 * fetch position (which a failed partition was rewound to). The fetch position alone would read 0
 * while a failing batch is fetched again and again, and the consumer's own {@code currentLag}
 * knows no end after a seek until a fetch answers, which for a paused partition is never; so end
 * offsets are read from the brokers, at most every {@link #REFRESH}, and a fetch that knows a
 * newer end wins. Used by the consumer thread only.
 */
final class PartitionLag {

    private static final Logger log = LoggerFactory.getLogger(PartitionLag.class);
    /** How often the end offsets are read from the brokers. */
    static final Duration REFRESH = Duration.ofSeconds(1);

    private final NodeMetrics metrics;
    private final Duration timeout;
    private final Map<TopicPartition, Long> endOffsets = new HashMap<>();
    private long readAt;

    /** @param timeout how long reading end offsets may take (it blocks the consumer thread) */
    PartitionLag(NodeMetrics metrics, Duration timeout) {
        this.metrics = metrics;
        this.timeout = timeout;
    }

    /**
     * @param partitions the assigned partitions
     * @param inFlightFirst the first offsets of the batch in flight (empty when none)
     */
    void update(
            Consumer<String, byte[]> consumer,
            Set<TopicPartition> partitions,
            Map<TopicPartition, Long> inFlightFirst) {
        long now = System.nanoTime();
        if (!partitions.isEmpty()
                && (now - readAt >= REFRESH.toNanos() || !endOffsets.keySet().containsAll(partitions))) {
            readAt = now;
            try {
                endOffsets.putAll(consumer.endOffsets(partitions, timeout));
            } catch (KafkaException e) {
                log.debug("reading end offsets for the lag gauge failed: {}", e.toString());
            }
        }
        Map<String, Long> lag = new TreeMap<>();
        for (TopicPartition tp : partitions) {
            try {
                long position = consumer.position(tp, Duration.ZERO);
                long end = Math.max(
                        endOffsets.getOrDefault(tp, position),
                        position + consumer.currentLag(tp).orElse(0L));
                lag.put(tp.toString(), Math.max(0, end - inFlightFirst.getOrDefault(tp, position)));
            } catch (KafkaException e) {
                // no position yet (being reset): not counted this time
            }
        }
        metrics.consumerLag(lag);
    }

    void forget(Collection<TopicPartition> partitions) {
        endOffsets.keySet().removeAll(partitions);
    }

    void clear() {
        endOffsets.clear();
    }
}
