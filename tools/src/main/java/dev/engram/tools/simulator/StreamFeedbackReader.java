package dev.engram.tools.simulator;

import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a tenant's feedback back from {@value Topics#FEEDBACK}: a consumer without a group assigns
 * every partition and reads from the beginning up to the end offsets at the time of the call
 * (committed records only), decodes each record with {@link EventCodec}, and keeps the events of the
 * tenant whose id starts with a prefix, the first of each id.
 *
 * <pre>{@code
 * List<Episode> episodes = new StreamFeedbackReader(node.bootstrapServers())
 *         .read("cranfield", "sim-cranfield-").episodes();
 * }</pre>
 */
public final class StreamFeedbackReader {

    /** The default bound on one {@link #read}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    private final String bootstrapServers;
    private final Duration timeout;

    /** A reader of the cluster at {@code bootstrapServers} with {@link #DEFAULT_TIMEOUT}. */
    public StreamFeedbackReader(String bootstrapServers) {
        this(bootstrapServers, DEFAULT_TIMEOUT);
    }

    /** A reader whose {@link #read} gives up after {@code timeout}. */
    public StreamFeedbackReader(String bootstrapServers, Duration timeout) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers is required, e.g. localhost:9092");
        }
        Objects.requireNonNull(timeout, "timeout is required");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
    }

    /**
     * The events of {@code tenant} whose event id starts with {@code eventIdPrefix}, read from the
     * beginning of the topic to its end at the time of the call.
     *
     * @throws IllegalStateException when the end is not reached within the timeout
     */
    public StreamFeedback read(String tenant, String eventIdPrefix) {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("tenant is required");
        }
        Objects.requireNonNull(eventIdPrefix, "eventIdPrefix is required (may be empty)");
        Map<String, Object> overrides = Map.of(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                2000,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "engram-stream-feedback-reader");
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrapServers, null, overrides)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(Topics.FEEDBACK, timeout)) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);

            List<FeedbackEvent> events = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            long scanned = 0;
            long duplicates = 0;
            long undecodable = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading " + Topics.FEEDBACK + " on " + bootstrapServers
                            + " did not reach the end offsets " + end + " within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                        continue; // arrived after the call began
                    }
                    scanned++;
                    FeedbackEvent event;
                    try {
                        event = EventCodec.decodeFeedback(record.value());
                    } catch (RuntimeException e) {
                        undecodable++;
                        continue;
                    }
                    if (!event.tenant().equals(tenant) || !event.eventId().startsWith(eventIdPrefix)) {
                        continue;
                    }
                    if (seen.add(event.eventId())) {
                        events.add(event);
                    } else {
                        duplicates++;
                    }
                }
            }
            return new StreamFeedback(events, scanned, duplicates, undecodable);
        }
    }

    private static boolean reached(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
