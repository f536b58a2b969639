package dev.engram.node.ingest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one poll, in the order Kafka returned them (per partition: offset order).
 *
 * @param records at least one record
 */
public record IngestBatch(List<SourceRecord> records) {
    public IngestBatch {
        records = List.copyOf(Objects.requireNonNull(records, "ingestBatch.records is required"));
        if (records.isEmpty()) {
            throw new IllegalArgumentException("ingestBatch.records must not be empty");
        }
    }

    /** The batch of a poll result. */
    public static IngestBatch of(ConsumerRecords<String, byte[]> polled) {
        List<SourceRecord> out = new java.util.ArrayList<>(polled.count());
        for (ConsumerRecord<String, byte[]> r : polled) {
            out.add(SourceRecord.of(r));
        }
        return new IngestBatch(out);
    }

    /** Per partition, the offset of the first record in this batch: where to rewind to redeliver it. */
    public Map<TopicPartition, Long> firstOffsets() {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        for (SourceRecord r : records) {
            first.merge(r.topicPartition(), r.offset(), Math::min);
        }
        return first;
    }

    /** Per partition, the offset after the last record in this batch: what to commit once it is durable. */
    public Map<TopicPartition, Long> nextOffsets() {
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        for (SourceRecord r : records) {
            next.merge(r.topicPartition(), r.offset() + 1, Math::max);
        }
        return next;
    }

    public int size() {
        return records.size();
    }
}
