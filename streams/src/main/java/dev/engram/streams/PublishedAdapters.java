package dev.engram.streams;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Finds a published adapter on {@code engram.adapters} by reading the topic from its beginning to
 * its end: how a worker gets a job's parent adapter and a node gets back the files of a version it
 * removed from disk.
 */
public final class PublishedAdapters {

    private PublishedAdapters() {}

    /** The adapter {@code name} v{@code version} as last published, if the topic holds it. */
    public static Optional<AdapterPublished> find(String bootstrap, String name, long version, Duration bound) {
        return find(KafkaConnection.of(bootstrap), name, version, bound);
    }

    /** As {@link #find(String, String, long, Duration)}, with the connection's client properties. */
    public static Optional<AdapterPublished> find(KafkaConnection kafka, String name, long version, Duration bound) {
        return last(kafka, a -> a.adapterName().equals(name) && a.version() == version, bound);
    }

    /**
     * The last adapter on the topic that {@code match} accepts, if any.
     *
     * @throws IllegalStateException when the topic cannot be read to its end within {@code bound}
     */
    public static Optional<AdapterPublished> last(String bootstrap, Predicate<AdapterPublished> match, Duration bound) {
        return last(KafkaConnection.of(bootstrap), match, bound);
    }

    /** As {@link #last(String, Predicate, Duration)}, with the connection's client properties. */
    public static Optional<AdapterPublished> last(
            KafkaConnection kafka, Predicate<AdapterPublished> match, Duration bound) {
        AdapterPublished found = null;
        AdapterAssembler assembler = new AdapterAssembler();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(kafka, null)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.ADAPTERS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + bound.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not read " + Topics.ADAPTERS + " to its end " + end + " within " + bound);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    for (AdapterAssembler.Delivery d : assembler.accept(r)) {
                        if (d instanceof AdapterAssembler.Delivery.Adapter a && match.test(a.adapter())) {
                            found = a.adapter();
                        }
                    }
                }
            }
        }
        return Optional.ofNullable(found);
    }
}
