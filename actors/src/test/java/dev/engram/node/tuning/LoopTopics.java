package dev.engram.node.tuning;

import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobAssembler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Reads the loop's topics to their end, for assertions; starts worker groups past older tests' jobs. */
final class LoopTopics {

    private LoopTopics() {}

    /** Every complete adapter record on {@code engram.adapters}, in order (a version may appear more than once). */
    static List<AdapterPublished> adapters(String bootstrap) {
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

    /** Every complete training job on {@code engram.training-jobs}. */
    static List<TrainingJob> jobs(String bootstrap) {
        TrainingJobAssembler assembler = new TrainingJobAssembler();
        List<TrainingJob> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : readAll(bootstrap, Topics.TRAINING_JOBS)) {
            for (TrainingJobAssembler.Delivery d : assembler.accept(r)) {
                if (d instanceof TrainingJobAssembler.Delivery.Job j) {
                    out.add(j.job());
                }
            }
        }
        return out;
    }

    static List<DeadLetter> deadLetters(String bootstrap) {
        return readAll(bootstrap, Topics.DEAD_LETTERS).stream()
                .map(r -> EventCodec.decodeDeadLetter(r.value()))
                .toList();
    }

    /** Commits the end of {@code engram.training-jobs} for {@code group}, so its workers skip earlier tests' jobs. */
    static void startGroupAtEnd(String bootstrap, String group) {
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrap, group)) {
            List<TopicPartition> partitions = partitions(consumer, Topics.TRAINING_JOBS);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            consumer.commitSync(end.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue()))));
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
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
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
