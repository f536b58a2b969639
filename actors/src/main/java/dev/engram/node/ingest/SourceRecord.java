package dev.engram.node.ingest;

import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One record as it was read from Kafka: where it came from and its raw bytes, untouched, so that a
 * dead letter can carry the original.
 *
 * @param topic source topic
 * @param partition source partition
 * @param offset offset in that partition
 * @param key record key (the tenant by convention); may be {@code null}
 * @param value the raw value; may be {@code null} (a tombstone, which is invalid feedback)
 */
public record SourceRecord(String topic, int partition, long offset, String key, byte[] value) {
    public SourceRecord {
        Objects.requireNonNull(topic, "sourceRecord.topic is required");
        if (partition < 0) {
            throw new IllegalArgumentException("sourceRecord.partition must be >= 0, was " + partition);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("sourceRecord.offset must be >= 0, was " + offset);
        }
    }

    /** The record as Kafka delivered it. */
    public static SourceRecord of(ConsumerRecord<String, byte[]> r) {
        return new SourceRecord(r.topic(), r.partition(), r.offset(), r.key(), r.value());
    }

    /** The topic-partition this record was read from. */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
