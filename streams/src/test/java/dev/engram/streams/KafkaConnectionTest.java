package dev.engram.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client properties (SASL, SSL) reach every client the factory makes, over the safe defaults; the
 * keys Engram's guarantees rest on cannot be set there; a contradiction with what the code sets for
 * a client is refused, never settled silently.
 */
class KafkaConnectionTest {

    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"acme\" password=\"s3cret\";";

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path f = dir.resolve("client.properties");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void aPropertiesFileReachesProducersConsumersAndAdminsOverTheDefaults() throws IOException {
        KafkaConnection kafka = KafkaConnection.of("k1:9093", file("""
        # SASL over TLS
        security.protocol=SASL_SSL
        sasl.mechanism=SCRAM-SHA-256
        sasl.jaas.config=%s
        linger.ms=20
        client.dns.lookup=use_all_dns_ips
        """.formatted(JAAS.replace("\"", "\\\""))));

        Map<String, Object> producer = KafkaClientFactory.producerConfig(kafka, Map.of());
        assertThat(producer)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("bootstrap.servers", "k1:9093")
                .as("a default the file tunes")
                .containsEntry("linger.ms", "20")
                .as("the guarantees stay")
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", true);
        Map<String, Object> consumer = KafkaClientFactory.consumerConfig(kafka, "g", Map.of("max.poll.records", 10));
        assertThat(consumer)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("enable.auto.commit", false)
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("max.poll.records", 10)
                .containsEntry("group.id", "g");
        Map<String, Object> admin = KafkaClientFactory.adminConfig(kafka, Map.of("request.timeout.ms", 5000));
        assertThat(admin)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("bootstrap.servers", "k1:9093")
                .containsEntry("request.timeout.ms", 5000);
        assertThat(kafka.securityProtocol()).isEqualTo("SASL_SSL");
        assertThat(kafka.describe()).isEqualTo("k1:9093 (SASL_SSL)");
    }

    @Test
    void withoutPropertiesTheConfigIsTheDefaultOne() {
        assertThat(KafkaClientFactory.producerConfig(KafkaConnection.of("k1:9092"), Map.of()))
                .isEqualTo(KafkaClientFactory.producerConfig("k1:9092", Map.of()));
        assertThat(KafkaConnection.of("k1:9092", null).clientProperties()).isEmpty();
        assertThat(KafkaConnection.of("k1:9092").securityProtocol()).isEqualTo("PLAINTEXT");
    }

    @Test
    void theKeysEngramsGuaranteesRestOnCannotBeSetInTheFile() throws IOException {
        for (String owned : new String[] {
            "enable.auto.commit",
            "isolation.level",
            "acks",
            "enable.idempotence",
            "transactional.id",
            "group.id",
            "key.serializer",
            "auto.offset.reset"
        }) {
            assertThatThrownBy(() -> new KafkaConnection("k1:9092", Map.of(owned, "x")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(owned)
                    .hasMessageContaining("delivery guarantees");
        }
        Path withServers = file("bootstrap.servers=elsewhere:9092\n");
        assertThatThrownBy(() -> KafkaConnection.of("k1:9092", withServers))
                .hasMessageContaining("bootstrap.servers")
                .hasMessageContaining("--bootstrap");
    }

    @Test
    void aContradictionWithWhatTheCodeSetsIsRefusedNotSettledSilently() {
        KafkaConnection kafka = new KafkaConnection(
                "k1:9092", Map.of("max.poll.records", "500", "security.protocol", "SASL_PLAINTEXT"));
        assertThatThrownBy(() -> KafkaClientFactory.consumerConfig(kafka, "g", Map.of("max.poll.records", 64)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max.poll.records")
                .hasMessageContaining("64")
                .hasMessageContaining("500");
        // The same value is no contradiction.
        assertThat(KafkaClientFactory.consumerConfig(kafka, "g", Map.of("max.poll.records", 500)))
                .containsEntry("max.poll.records", "500");
        // A security setting in code is never silently replaced either way.
        assertThatThrownBy(() -> KafkaClientFactory.producerConfig(kafka, Map.of("security.protocol", "PLAINTEXT")))
                .hasMessageContaining("security.protocol");
    }

    @Test
    void aMissingFileIsNamedAndSecretsAreNotPrinted() {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> KafkaConnection.of("k1:9092", missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope.properties");
        KafkaConnection kafka = new KafkaConnection(
                "k1:9092",
                Map.of("sasl.jaas.config", JAAS, "ssl.truststore.password", "tp", "security.protocol", "SASL_SSL"));
        assertThat(kafka.toString())
                .doesNotContain("s3cret")
                .doesNotContain("=tp")
                .contains("SASL_SSL")
                .contains("sasl.jaas.config=[hidden]");
    }

    @Test
    void theLayoutsNameTheirTopicsAndTheTenantATopicBelongsTo() {
        assertThat(FeedbackTopicLayout.SHARED.topicFor("acme")).isEqualTo(Topics.FEEDBACK);
        assertThat(FeedbackTopicLayout.PER_TENANT.topicFor("acme")).isEqualTo("engram.feedback.acme");
        assertThat(FeedbackTopicLayout.PER_TENANT.tenantOf("engram.feedback.acme"))
                .contains("acme");
        assertThat(FeedbackTopicLayout.PER_TENANT.tenantOf(Topics.FEEDBACK)).isEmpty();
        assertThat(FeedbackTopicLayout.SHARED.tenantOf("engram.feedback.acme")).isEmpty();
        assertThat(FeedbackTopicLayout.PER_TENANT
                        .subscription()
                        .matcher("engram.feedback.globex")
                        .matches())
                .isTrue();
        assertThat(FeedbackTopicLayout.PER_TENANT
                        .subscription()
                        .matcher(Topics.FEEDBACK)
                        .matches())
                .isFalse();
        assertThat(FeedbackTopicLayout.PER_TENANT
                        .subscription()
                        .matcher(Topics.DEAD_LETTERS)
                        .matches())
                .isFalse();
        assertThat(FeedbackTopicLayout.SHARED
                        .subscription()
                        .matcher(Topics.FEEDBACK)
                        .matches())
                .isTrue();
        assertThat(FeedbackTopicLayout.SHARED
                        .subscription()
                        .matcher("engram.feedback.acme")
                        .matches())
                .isFalse();
        assertThat(FeedbackTopicLayout.parse("per-tenant")).isEqualTo(FeedbackTopicLayout.PER_TENANT);
        assertThat(FeedbackTopicLayout.parse("SHARED")).isEqualTo(FeedbackTopicLayout.SHARED);
        assertThatThrownBy(() -> FeedbackTopicLayout.parse("sideways")).hasMessageContaining("per-tenant");
        assertThatThrownBy(() -> Topics.tenantFeedback("Acme.Corp")).hasMessageContaining("tenant");
        assertThat(Topics.tenantFeedbackSpec("acme").configs())
                .isEqualTo(Topics.spec(Topics.FEEDBACK).configs());
    }
}
