package dev.engram.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.SampleEvents;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The produce/consume contract every broker must pass (embedded or in a container): feedback
 * events go in keyed by tenant, come back out equal through a read_committed consumer with manual
 * commits, and the committed offsets then cover exactly what was consumed.
 */
public final class FeedbackRoundTrip {

    private FeedbackRoundTrip() {}

    public static void run(String bootstrapServers, String group) throws Exception {
        TopicAdmin.ensureTopics(bootstrapServers, Topics.all());
        List<FeedbackEvent> sent = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            sent.add(SampleEvents.feedback(
                    group + "-evt-" + i, List.of("acme", "globex", "initech").get(i % 3)));
        }
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrapServers)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (FeedbackEvent e : sent) {
                acks.add(producer.send(new ProducerRecord<>(Topics.FEEDBACK, e.tenant(), EventCodec.encode(e))));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        }

        Map<TopicPartition, Long> nextOffsets = new HashMap<>();
        List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrapServers, group)) {
            consumer.subscribe(List.of(Topics.FEEDBACK));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (received.size() < sent.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    received.add(r);
                    nextOffsets.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                }
            }
            assertThat(received).as("records received within 60 s").hasSize(sent.size());
            Map<TopicPartition, OffsetAndMetadata> commit = nextOffsets.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue())));
            consumer.commitSync(commit);

            Set<TopicPartition> partitions = consumer.assignment();
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                long endOffset = end.get(tp);
                long committedOffset =
                        committed.get(tp) == null ? 0 : committed.get(tp).offset();
                assertThat(committedOffset).as("committed offset of %s", tp).isEqualTo(endOffset);
            }
        }

        List<FeedbackEvent> decoded =
                received.stream().map(r -> EventCodec.decodeFeedback(r.value())).toList();
        assertThat(decoded).containsExactlyInAnyOrderElementsOf(sent);
        for (ConsumerRecord<String, byte[]> r : received) {
            assertThat(r.key()).isEqualTo(EventCodec.decodeFeedback(r.value()).tenant());
        }
        // Keyed by tenant: each tenant's events share one partition, in the order they were sent.
        Map<String, Set<Integer>> partitionsByTenant = received.stream()
                .collect(Collectors.groupingBy(
                        ConsumerRecord::key, Collectors.mapping(ConsumerRecord::partition, Collectors.toSet())));
        assertThat(partitionsByTenant.values()).allSatisfy(p -> assertThat(p).hasSize(1));
    }
}
