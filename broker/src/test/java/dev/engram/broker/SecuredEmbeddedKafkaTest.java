package dev.engram.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker with SASL/SCRAM-SHA-256 and the standard authorizer: clients must
 * authenticate, and a producer may write only where an ACL lets it (here a prefixed ACL on one
 * tenant's feedback topic).
 */
class SecuredEmbeddedKafkaTest {

    private static final BrokerSecurity SECURITY = BrokerSecurity.scram("admin", "admin-secret");
    private static EmbeddedKafka kafka;
    private static Path dir;

    @BeforeAll
    static void start() {
        dir = dev.engram.broker.internal.TemporaryDirectory.create("engram-secured-kafka-");
        kafka = EmbeddedKafka.start(dir, SECURITY);
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
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
        dev.engram.broker.internal.TemporaryDirectory.delete(dir);
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

    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, String topic) throws Exception {
        return producer.send(new ProducerRecord<>(topic, "k", "{}".getBytes(StandardCharsets.UTF_8)))
                .get(30, TimeUnit.SECONDS);
    }

    @Test
    void aProducerWritesOnlyWhereItsAclsAllow() throws Exception {
        assertThat(kafka.security().scram()).isTrue();
        assertThat(kafka.connectionAs("acme-agents", "acme-secret").securityProtocol())
                .isEqualTo("SASL_PLAINTEXT");
        try (KafkaProducer<String, byte[]> acme = producer(kafka.connectionAs("acme-agents", "acme-secret"))) {
            // The ACL reaches the broker's authorizer with the metadata, a moment after the controller took it.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            RecordMetadata written = null;
            while (written == null) {
                try {
                    written = send(acme, Topics.tenantFeedback("acme"));
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicAuthorizationException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    LockSupport.parkNanos(100_000_000L);
                }
            }
            assertThat(written.topic()).isEqualTo("engram.feedback.acme");

            assertThatThrownBy(() -> send(acme, Topics.tenantFeedback("globex")))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> send(acme, Topics.FEEDBACK)).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void aWrongPasswordIsNotLetIn() {
        try (KafkaProducer<String, byte[]> intruder = producer(kafka.connectionAs("acme-agents", "guess-guess"))) {
            assertThatThrownBy(() -> send(intruder, Topics.tenantFeedback("acme")))
                    .satisfies(e -> assertThat(rootOrSelf(e)).isInstanceOf(SaslAuthenticationException.class));
        }
    }

    @Test
    void theAdminIsTheSuperUserAndTheDirectoryKeepsItsSecurity() throws Exception {
        try (KafkaProducer<String, byte[]> admin = producer(kafka.connection())) {
            assertThat(send(admin, Topics.tenantFeedback("globex")).topic()).isEqualTo("engram.feedback.globex");
        }
    }

    @Test
    void aSecuredDirectoryDoesNotStartAsPlaintext() {
        Path other = dev.engram.broker.internal.TemporaryDirectory.create("engram-secured-marker-");
        try {
            java.nio.file.Files.writeString(other.resolve("meta.properties"), "cluster.id=abc\n");
            java.nio.file.Files.writeString(other.resolve("engram-security"), "scram admin=admin");
            assertThatThrownBy(() -> EmbeddedKafka.start(other))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("scram admin=admin")
                    .hasMessageContaining("plaintext");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        } finally {
            try {
                dev.engram.broker.internal.TemporaryDirectory.delete(other);
            } catch (java.io.IOException e) {
                // best effort
            }
        }
    }

    private static Throwable rootOrSelf(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && !(c instanceof SaslAuthenticationException)) {
            c = c.getCause();
        }
        return c;
    }
}
