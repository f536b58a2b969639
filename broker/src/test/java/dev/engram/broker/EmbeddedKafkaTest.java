package dev.engram.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.TopicSpec;
import dev.engram.streams.Topics;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One real KRaft broker for the class; every test uses its own topics or consumer group. */
class EmbeddedKafkaTest {

    private static EmbeddedKafka kafka;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.startTemporary();
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (kafka != null) {
            kafka.close();
            assertThat(kafka.dataDir())
                    .as("temporary directory deleted on close")
                    .doesNotExist();
        }
    }

    @Test
    void feedbackRoundTripsWithManualCommits() throws Exception {
        FeedbackRoundTrip.run(kafka.bootstrapServers(), "round-trip");
    }

    @Test
    void ensureTopicsIsIdempotentAndAppliesTheSpecs() throws Exception {
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());

        List<String> names = Topics.all().stream().map(TopicSpec::name).toList();
        Map<String, TopicDescription> described =
                admin.describeTopics(names).allTopicNames().get();
        for (TopicSpec spec : Topics.all()) {
            assertThat(described.get(spec.name()).partitions()).as(spec.name()).hasSize(spec.partitions());
        }
        Config adapters = topicConfig(Topics.ADAPTERS);
        assertThat(adapters.get("cleanup.policy").value()).isEqualTo("compact");
        assertThat(adapters.get("max.message.bytes").value()).isEqualTo(String.valueOf(8 * 1024 * 1024));
        assertThat(topicConfig(Topics.FEEDBACK).get("retention.ms").value()).isEqualTo("-1");
    }

    @Test
    void ensureTopicsRestoresTheSpecOfAnExistingTopic() throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, Topics.ADAPTERS);
        admin.incrementalAlterConfigs(Map.of(
                        resource,
                        List.of(new AlterConfigOp(
                                new ConfigEntry("min.cleanable.dirty.ratio", "0.5"), AlterConfigOp.OpType.SET))))
                .all()
                .get();
        awaitTopicConfig(Topics.ADAPTERS, "min.cleanable.dirty.ratio", "0.5");

        TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of(Topics.spec(Topics.ADAPTERS)));

        awaitTopicConfig(Topics.ADAPTERS, "min.cleanable.dirty.ratio", "0.1");
    }

    @Test
    void ensureTopicsGivesUpInBoundedTimeWithAClearError() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String nowhere = "127.0.0.1:" + closedPort;
        long started = System.nanoTime();
        assertThatThrownBy(() -> TopicAdmin.ensureTopics(nowhere, Topics.all(), Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(nowhere)
                .hasMessageContaining("is a Kafka broker running and reachable there?");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void readCommittedConsumersNeverSeeAbortedWrites() throws Exception {
        String topic = "test.read-committed";
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of(new TopicSpec(topic, 1, (short) 1, Map.of())));
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(
                kafka.bootstrapServers(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-tx"))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted".getBytes()));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed".getBytes()));
            producer.commitTransaction();
        }
        List<String> values = drain(topic, "read-committed", 1);
        assertThat(values).containsExactly("committed");
    }

    @Test
    void adaptersTopicTakesLargeMessagesThatFeedbackRefuses() throws Exception {
        byte[] fiveMiB = new byte[5 * 1024 * 1024];
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka.bootstrapServers())) {
            assertThat(producer.send(new ProducerRecord<>(Topics.ADAPTERS, "adapter-a", fiveMiB))
                            .get()
                            .offset())
                    .isGreaterThanOrEqualTo(0);
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(Topics.FEEDBACK, "acme", fiveMiB))
                            .get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RecordTooLargeException.class);
        }
        try (KafkaConsumer<String, byte[]> consumer =
                KafkaClientFactory.consumer(kafka.bootstrapServers(), "adapters-reader")) {
            consumer.subscribe(List.of(Topics.ADAPTERS));
            ConsumerRecord<String, byte[]> got = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    got = r;
                }
            }
            assertThat(got).as("adapter record consumed within 30 s").isNotNull();
            assertThat(got.value()).hasSize(fiveMiB.length);
        }
    }

    @Test
    void clientFactoriesApplyTheSafeDefaults() {
        Map<String, Object> producer =
                KafkaClientFactory.producerConfig("h:1", Map.of(ProducerConfig.LINGER_MS_CONFIG, 0));
        assertThat(producer)
                .containsEntry("enable.idempotence", true)
                .containsEntry("acks", "all")
                .containsEntry("linger.ms", 0)
                .containsEntry("max.request.size", 8 * 1024 * 1024);
        Map<String, Object> consumer = KafkaClientFactory.consumerConfig("h:1", "g", Map.of());
        assertThat(consumer)
                .containsEntry("enable.auto.commit", false)
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("auto.offset.reset", "earliest")
                .containsEntry("group.id", "g");
        assertThatThrownBy(() -> KafkaClientFactory.consumerConfig(
                        "h:1",
                        "g",
                        Map.of("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be overridden");
    }

    /** Config changes reach the broker's view asynchronously: wait up to 15 s for {@code expected}. */
    private static void awaitTopicConfig(String topic, String key, String expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String actual = topicConfig(topic).get(key).value();
        while (!expected.equals(actual) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            actual = topicConfig(topic).get(key).value();
        }
        assertThat(actual).as("%s of %s", key, topic).isEqualTo(expected);
    }

    private static Config topicConfig(String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }

    /** Reads {@code count} values from the start of {@code topic}, waiting at most 30 s. */
    private static List<String> drain(String topic, String group, int count) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(kafka.bootstrapServers(), group)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(new String(r.value())));
            }
        }
        return values;
    }
}
