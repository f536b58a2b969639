package dev.engram.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.broker.BrokerSecurity;
import dev.engram.broker.EmbeddedKafka;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK on a secured cluster: with the agent's SASL credentials and the per-tenant layout its
 * feedback lands on its tenant's topic, and Kafka refuses it another tenant's.
 */
class RuntimeSecuredKafkaTest {

    private static final Instant AT = Instant.parse("2025-01-31T12:00:00Z");
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.startTemporary(BrokerSecurity.scram("admin", "admin-secret"));
        TopicAdmin.ensureTopics(
                kafka.connection(), List.of(Topics.tenantFeedbackSpec("acme"), Topics.tenantFeedbackSpec("globex")));
        kafka.createUser("acme-agents", "acme-secret");
        try (Admin admin = Admin.create(KafkaClientFactory.adminConfig(kafka.connection(), Map.of()))) {
            admin.createAcls(List.of(new AclBinding(
                            new ResourcePattern(
                                    ResourceType.TOPIC, Topics.tenantFeedback("acme"), PatternType.PREFIXED),
                            new AccessControlEntry(
                                    "User:acme-agents", "*", AclOperation.WRITE, AclPermissionType.ALLOW))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void feedbackGoesToTheTenantsOwnTopicWithTheAgentsCredentials() {
        Feedback acme = Feedback.forTask("acme", "parcel arrived damaged")
                .plan("refunded")
                .outcome("happy")
                .reward(0.9)
                .timestamp(AT)
                .build();
        Feedback globex = Feedback.forTask("globex", "parcel arrived damaged")
                .plan("refunded")
                .outcome("happy")
                .reward(0.9)
                .timestamp(AT)
                .build();
        try (EngramClient client = EngramClient.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .kafkaProperties(
                        kafka.connectionAs("acme-agents", "acme-secret").clientProperties())
                .feedbackLayout(FeedbackTopicLayout.PER_TENANT)
                .sendTimeout(Duration.ofSeconds(15))
                .agentId("agent-1")
                .build()) {
            // The ACL reaches the broker's authorizer with the metadata, a moment after the controller took it.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try {
                    assertThat(client.feedback(acme)).isEqualTo(acme.eventId());
                    break;
                } catch (KafkaException e) {
                    if (!(e.getCause() instanceof TopicAuthorizationException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    LockSupport.parkNanos(100_000_000L);
                }
            }
            assertThatThrownBy(() -> client.feedback(globex))
                    .isInstanceOf(KafkaException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class)
                    .hasMessageContaining("engram.feedback.globex");
        }
        assertThat(eventIds(Topics.tenantFeedback("acme"))).containsExactly(acme.eventId());
        assertThat(eventIds(Topics.tenantFeedback("globex"))).isEmpty();
    }

    @Test
    void keysTheGuaranteesRestOnAreRefusedByTheBuilder() {
        assertThatThrownBy(() -> EngramClient.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .kafkaProperties(Map.of("enable.idempotence", "false"))
                        .agentId("agent-1")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("enable.idempotence");
    }

    private static List<String> eventIds(String topic) {
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(kafka.connection(), null)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime())
                        .as("read " + topic + " to its end")
                        .isLessThan(deadline);
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ids.add(EventCodec.decodeFeedback(r.value()).eventId());
                }
            }
        }
        return ids;
    }
}
