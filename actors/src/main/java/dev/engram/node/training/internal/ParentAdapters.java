package dev.engram.node.training.internal;

import dev.engram.streams.AdapterAssembler;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Finds a published adapter version on {@code engram.adapters} by reading the topic to its end. */
public final class ParentAdapters {

    private ParentAdapters() {
    }

    /** The adapter {@code name} v{@code version} as last published, if the topic holds it. */
    public static Optional<AdapterPublished> find(String bootstrap, String name, long version, Duration bound) {
        AdapterPublished found = null;
        AdapterAssembler assembler = new AdapterAssembler();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrap, null)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.ADAPTERS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + bound.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + Topics.ADAPTERS + " to its end " + end
                            + " within " + bound);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    for (AdapterAssembler.Delivery d : assembler.accept(r)) {
                        if (d instanceof AdapterAssembler.Delivery.Adapter a && a.adapter().adapterName().equals(name)
                                && a.adapter().version() == version) {
                            found = a.adapter();
                        }
                    }
                }
            }
        }
        return Optional.ofNullable(found);
    }
}
