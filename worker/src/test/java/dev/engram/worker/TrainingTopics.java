package dev.engram.worker;

import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingProgress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Reads the adapters and progress topics to their current ends; moves a fresh worker group to the end of the jobs topic. */
public final class TrainingTopics {

    private TrainingTopics() {}

    /** Every committed adapter on {@code engram.adapters} up to its current end. */
    public static List<AdapterPublished> adapters(String bootstrap) {
        AdapterAssembler assembler = new AdapterAssembler();
        List<AdapterPublished> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : readAll(bootstrap, Topics.ADAPTERS)) {
            for (AdapterAssembler.Delivery d : assembler.accept(r)) {
                if (d instanceof AdapterAssembler.Delivery.Adapter a) {
                    out.add(a.adapter());
                }
            }
        }
        return out;
    }

    /** Every progress event up to the topic's current end. */
    public static List<TrainingProgress> progress(String bootstrap) {
        return readAll(bootstrap, Topics.TRAINING_PROGRESS).stream()
                .map(r -> ContinualCodec.decodeTrainingProgress(r.value()))
                .toList();
    }

    /** Commits {@code group}'s offsets at the current end of the jobs topic, so it sees only later jobs. */
    public static void startGroupAtEnd(String bootstrap, String group) {
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrap, group)) {
            List<TopicPartition> partitions = partitions(consumer, Topics.TRAINING_JOBS);
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            consumer.endOffsets(partitions).forEach((tp, end) -> offsets.put(tp, new OffsetAndMetadata(end)));
            consumer.assign(partitions);
            consumer.commitSync(offsets);
        }
    }

    /** {@code group}'s committed offsets on the jobs topic, summed. */
    public static long committed(String bootstrap, String group) {
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrap, group)) {
            List<TopicPartition> partitions = partitions(consumer, Topics.TRAINING_JOBS);
            return consumer.committed(new java.util.HashSet<>(partitions)).values().stream()
                    .filter(java.util.Objects::nonNull)
                    .mapToLong(OffsetAndMetadata::offset)
                    .sum();
        }
    }

    /** {@code group}'s committed offset on one partition of the jobs topic; -1 when none. */
    public static long committed(String bootstrap, String group, int partition) {
        TopicPartition tp = new TopicPartition(Topics.TRAINING_JOBS, partition);
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrap, group)) {
            OffsetAndMetadata committed =
                    consumer.committed(java.util.Set.of(tp)).get(tp);
            return committed == null ? -1 : committed.offset();
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer, String topic) {
        return consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrap, null)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
