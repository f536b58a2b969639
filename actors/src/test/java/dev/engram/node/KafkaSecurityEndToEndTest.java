package dev.engram.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.broker.BrokerSecurity;
import dev.engram.broker.EmbeddedKafka;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.DeadLetterTopic;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenant isolation against producers, on a real broker with SASL/SCRAM and ACLs, with the per-tenant
 * topic layout: acme's producer may write only {@code engram.feedback.acme*} (a prefixed ACL), so
 * Kafka refuses it globex's topic; the node (the super user here) reads every tenant's topic by
 * pattern; and an event on acme's topic that claims to be globex's is dead-lettered with the reason,
 * never stored in globex's memory.
 */
class KafkaSecurityEndToEndTest {

    private static EmbeddedKafka kafka;
    private static EngramNode node;

    @TempDir
    static Path dataDir;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.startTemporary(BrokerSecurity.scram("admin", "admin-secret"));
        KafkaConnection admin = kafka.connection();
        TopicAdmin.ensureTopics(admin, Topics.all());
        TopicAdmin.ensureTopics(admin, List.of(Topics.tenantFeedbackSpec("acme"), Topics.tenantFeedbackSpec("globex")));
        kafka.createUser("acme-agents", "acme-secret");
        try (Admin acls = Admin.create(KafkaClientFactory.adminConfig(admin, Map.of()))) {
            acls.createAcls(List.of(new AclBinding(
                            new ResourcePattern(
                                    ResourceType.TOPIC, Topics.tenantFeedback("acme"), PatternType.PREFIXED),
                            new AccessControlEntry(
                                    "User:acme-agents", "*", AclOperation.WRITE, AclPermissionType.ALLOW))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        node = EngramNode.start(NodeConfig.builder(dataDir.resolve("node"))
                .bootstrapServers(kafka.bootstrapServers())
                .kafkaProperties(admin.clientProperties())
                .feedbackLayout(FeedbackTopicLayout.PER_TENANT)
                .httpPort(0)
                .tuning(TuningSchedulerConfig.disabled())
                .build());
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static FeedbackEvent event(String id, String tenant, String task) {
        return FeedbackEvent.of(
                id,
                tenant,
                "agent-1",
                Instant.parse("2026-01-01T00:00:00Z"),
                task,
                "plan for " + task,
                "done",
                0.9,
                null);
    }

    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, String topic, FeedbackEvent e)
            throws Exception {
        return producer.send(new ProducerRecord<>(topic, e.tenant(), EventCodec.encode(e)))
                .get(30, TimeUnit.SECONDS);
    }

    private static KafkaProducer<String, byte[]> producer(KafkaConnection as) {
        return KafkaClientFactory.producer(
                as,
                Map.of(
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        15_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        15_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                        10_000,
                        ProducerConfig.LINGER_MS_CONFIG,
                        0));
    }

    /** The first write, once the ACL has reached the broker's authorizer (it follows the metadata). */
    private static RecordMetadata sendOnceAllowed(KafkaProducer<String, byte[]> producer, String topic, FeedbackEvent e)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return send(producer, topic, e);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicAuthorizationException) || System.nanoTime() > deadline) {
                    throw ex;
                }
                LockSupport.parkNanos(100_000_000L);
            }
        }
    }

    @Test
    void aTenantsProducerCannotReachAnotherTenantsMemory() throws Exception {
        try (KafkaProducer<String, byte[]> acme = producer(kafka.connectionAs("acme-agents", "acme-secret"));
                KafkaProducer<String, byte[]> globex = producer(kafka.connection())) {
            sendOnceAllowed(acme, Topics.tenantFeedback("acme"), event("acme-1", "acme", "reset a router"));

            // Kafka itself refuses acme's producer on globex's topic (and on the shared one).
            assertThatThrownBy(() -> send(
                            acme, Topics.tenantFeedback("globex"), event("acme-2", "globex", "steal globex's memory")))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> send(acme, Topics.FEEDBACK, event("acme-3", "globex", "via the shared topic")))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);

            // On its own topic Kafka cannot tell what it writes: the node checks the event's tenant.
            RecordMetadata forged = send(
                    acme,
                    Topics.tenantFeedback("acme"),
                    event("acme-forged", "globex", "a case planted in globex's memory"));
            send(globex, Topics.tenantFeedback("globex"), event("globex-1", "globex", "renew a certificate"));

            Await.until(
                    "both tenants' own events stored",
                    Duration.ofSeconds(60),
                    () -> node.store().get("acme", "acme-1").isPresent()
                            && node.store().get("globex", "globex-1").isPresent());
            Await.until(
                    "the forged event dead-lettered",
                    Duration.ofSeconds(60),
                    () -> DeadLetterTopic.readAll(kafka.connection()).stream()
                            .anyMatch(d -> d.sourceTopic().equals(Topics.tenantFeedback("acme"))
                                    && d.offset() == forged.offset()
                                    && d.partition() == forged.partition()));

            DeadLetter letter = DeadLetterTopic.readAll(kafka.connection()).stream()
                    .filter(d -> d.sourceTopic().equals(Topics.tenantFeedback("acme"))
                            && d.offset() == forged.offset()
                            && d.partition() == forged.partition())
                    .findFirst()
                    .orElseThrow();
            assertThat(letter.reason())
                    .startsWith("tenant:")
                    .contains("'globex'")
                    .contains("engram.feedback.acme");
            assertThat(EventCodec.decodeFeedback(letter.original()).eventId()).isEqualTo("acme-forged");
            assertThat(node.store().get("globex", "acme-forged"))
                    .as("never in globex's memory")
                    .isEmpty();
            assertThat(node.store().get("acme", "acme-forged")).isEmpty();
            assertThat(node.store().get("globex", "acme-2")).isEmpty();
            assertThat(node.store().get("globex", "acme-3")).isEmpty();
            assertThat(node.consuming()).isTrue();
        }
    }
}
