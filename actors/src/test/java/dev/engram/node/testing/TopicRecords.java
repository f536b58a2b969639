package dev.engram.node.testing;

import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads a whole topic as it is now: every record of every partition up to its current end. */
public final class TopicRecords {

    private static final Duration BOUND = Duration.ofSeconds(60);

    private TopicRecords() {}

    /** Every record's value on {@code topic}, partition after partition in poll order. */
    public static List<byte[]> values(String bootstrap, String topic) {
        return values(KafkaConnection.of(bootstrap), topic);
    }

    /** As {@link #values(String, String)}, over {@code kafka} (e.g. a secured cluster). */
    public static List<byte[]> values(KafkaConnection kafka, String topic) {
        List<byte[]> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(kafka, null)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end + " within " + BOUND);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }
}
