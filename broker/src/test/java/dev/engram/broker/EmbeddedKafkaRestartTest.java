package dev.engram.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.SampleEvents;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker on a persistent directory comes back with its records, offsets, topics and cluster id. */
class EmbeddedKafkaRestartTest {

    private static final String TENANT = "acme";
    private static final String GROUP = "restart-group";

    @Test
    void restartOnTheSameDirectoryKeepsRecordsAndCommittedOffsets(@TempDir Path dir) throws Exception {
        String clusterId;
        TopicPartition partition;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            clusterId = kafka.clusterId();
            assertThat(dir.resolve("meta.properties")).exists();
            TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
            try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka.bootstrapServers())) {
                for (int i = 0; i < 10; i++) {
                    FeedbackEvent e = SampleEvents.feedback("evt-" + i, TENANT);
                    producer.send(new ProducerRecord<>(Topics.FEEDBACK, TENANT, EventCodec.encode(e)))
                            .get();
                }
            }
            try (KafkaConsumer<String, byte[]> consumer =
                    KafkaClientFactory.consumer(kafka.bootstrapServers(), GROUP)) {
                List<ConsumerRecord<String, byte[]>> records = read(consumer, 10);
                partition = new TopicPartition(Topics.FEEDBACK, records.get(0).partition());
                // Only the first four were "processed": commit up to there.
                consumer.commitSync(
                        Map.of(partition, new OffsetAndMetadata(records.get(4).offset())));
            }
            assertThatThrownBy(() -> EmbeddedKafka.start(dir))
                    .as("a second broker on a directory in use")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(dir.toString());
        }

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            assertThat(kafka.clusterId()).isEqualTo(clusterId);
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                assertThat(admin.describeCluster().clusterId().get()).isEqualTo(clusterId);
                ConfigResource adapters = new ConfigResource(ConfigResource.Type.TOPIC, Topics.ADAPTERS);
                assertThat(admin.describeConfigs(List.of(adapters))
                                .all()
                                .get()
                                .get(adapters)
                                .get("cleanup.policy")
                                .value())
                        .isEqualTo("compact");
            }
            try (KafkaConsumer<String, byte[]> consumer =
                    KafkaClientFactory.consumer(kafka.bootstrapServers(), GROUP)) {
                assertThat(consumer.committed(Set.of(partition)).get(partition).offset())
                        .isEqualTo(4);
                List<String> rest = read(consumer, 6).stream()
                        .map(r -> EventCodec.decodeFeedback(r.value()).eventId())
                        .toList();
                assertThat(rest).containsExactly("evt-4", "evt-5", "evt-6", "evt-7", "evt-8", "evt-9");
            }
            try (KafkaConsumer<String, byte[]> consumer =
                    KafkaClientFactory.consumer(kafka.bootstrapServers(), "fresh-group")) {
                assertThat(read(consumer, 10)).hasSize(10);
            }
        }
        assertThat(dir).as("a persistent directory is kept").exists();
    }

    @Test
    void restartKeepsTheAddressSoRunningClientsCarryOn(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            String address = kafka.bootstrapServers();
            String clusterId = kafka.clusterId();
            TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
            try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka.bootstrapServers());
                    KafkaConsumer<String, byte[]> consumer =
                            KafkaClientFactory.consumer(kafka.bootstrapServers(), "carry-on")) {
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>(
                                    Topics.FEEDBACK,
                                    TENANT,
                                    EventCodec.encode(SampleEvents.feedback("before-" + i, TENANT))))
                            .get();
                }
                List<ConsumerRecord<String, byte[]>> before = read(consumer, 5);
                consumer.commitSync();

                kafka.restart();

                assertThat(kafka.bootstrapServers())
                        .as("the same address after a restart")
                        .isEqualTo(address);
                assertThat(kafka.clusterId()).isEqualTo(clusterId);
                // The same producer and consumer, opened before the restart: they reconnect by themselves.
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>(
                                    Topics.FEEDBACK,
                                    TENANT,
                                    EventCodec.encode(SampleEvents.feedback("after-" + i, TENANT))))
                            .get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
                List<String> after = read(consumer, 5).stream()
                        .map(r -> EventCodec.decodeFeedback(r.value()).eventId())
                        .toList();
                assertThat(after).containsExactly("after-0", "after-1", "after-2", "after-3", "after-4");
                assertThat(before).hasSize(5);
            }
        }
        assertThatThrownBy(() -> {
                    EmbeddedKafka closed = EmbeddedKafka.start(dir);
                    closed.close();
                    closed.restart();
                })
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    /** Subscribes to the feedback topic and reads {@code count} records, waiting at most 30 s. */
    private static List<ConsumerRecord<String, byte[]>> read(KafkaConsumer<String, byte[]> consumer, int count) {
        consumer.subscribe(List.of(Topics.FEEDBACK));
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (records.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        assertThat(records).as("records read within 30 s").hasSize(count);
        return records;
    }
}
