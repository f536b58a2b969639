package dev.engram.node.testing;

import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The items of a {@link FeedbackStream} as sent to {@code engram.feedback}: where each one landed.
 *
 * @param items the items, in send order
 * @param metadata where each landed (same index)
 */
public record Produced(List<FeedbackStream.Item> items, List<RecordMetadata> metadata) {

    /** Sends every item (key = its tenant) to {@code engram.feedback} and waits for all acknowledgements. */
    public static Produced send(String bootstrap, List<FeedbackStream.Item> items) {
        return send(bootstrap, Topics.FEEDBACK, items);
    }

    /** Sends every item (key = its tenant) to {@code topic} and waits for all acknowledgements. */
    public static Produced send(String bootstrap, String topic, List<FeedbackStream.Item> items) {
        List<Future<RecordMetadata>> futures = new ArrayList<>(items.size());
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {
            for (FeedbackStream.Item item : items) {
                futures.add(producer.send(new ProducerRecord<>(topic, item.key(), item.value())));
            }
            producer.flush();
            List<RecordMetadata> metadata = new ArrayList<>(items.size());
            for (Future<RecordMetadata> f : futures) {
                metadata.add(f.get(60, TimeUnit.SECONDS));
            }
            return new Produced(List.copyOf(items), metadata);
        } catch (Exception e) {
            throw new AssertionError("sending " + items.size() + " feedback records failed: " + e, e);
        }
    }

    /** Per partition, the offset after the last record sent: what a caught-up consumer has committed. */
    public Map<TopicPartition, Long> endOffsets() {
        Map<TopicPartition, Long> end = new HashMap<>();
        for (RecordMetadata m : metadata) {
            end.merge(new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max);
        }
        return end;
    }

    /** Per partition, the offset of the first record sent. */
    public Map<TopicPartition, Long> firstOffsets() {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (RecordMetadata m : metadata) {
            first.merge(new TopicPartition(m.topic(), m.partition()), m.offset(), Math::min);
        }
        return first;
    }

    /** "partition@offset" of every invalid item, mapped to the item. */
    public Map<String, FeedbackStream.Item> invalidByPosition() {
        Map<String, FeedbackStream.Item> invalid = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            if (!items.get(i).valid()) {
                invalid.put(metadata.get(i).partition() + "@" + metadata.get(i).offset(), items.get(i));
            }
        }
        return invalid;
    }
}
