package dev.engram.node.testing;

import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads the whole dead-letter topic as it is now. */
public final class DeadLetterTopic {

    private DeadLetterTopic() {}

    /** Every dead letter on the topic up to its current end. */
    public static List<DeadLetter> readAll(String bootstrap) {
        return readAll(KafkaConnection.of(bootstrap));
    }

    /** Every dead letter on the topic up to its current end, read over {@code kafka} (e.g. a secured cluster). */
    public static List<DeadLetter> readAll(KafkaConnection kafka) {
        List<DeadLetter> letters = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(kafka, null)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DEAD_LETTERS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read the dead-letter topic to its end " + end);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    letters.add(EventCodec.decodeDeadLetter(r.value()));
                }
            }
        }
        return letters;
    }
}
