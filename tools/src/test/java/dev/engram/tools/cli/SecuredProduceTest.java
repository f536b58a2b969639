package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.broker.BrokerSecurity;
import dev.engram.broker.EmbeddedKafka;
import dev.engram.node.testing.TopicRecords;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code engram produce --kafka-properties FILE --feedback-layout per-tenant} against a broker with
 * SASL/SCRAM and ACLs: with acme's credentials its events land on {@code engram.feedback.acme}, and
 * the broker refuses the line of another tenant.
 */
class SecuredProduceTest {

    private static EmbeddedKafka kafka;

    @TempDir
    static Path dir;

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

    private static String line(String id, String tenant) {
        return new String(
                EventCodec.encode(FeedbackEvent.of(
                        id,
                        tenant,
                        "a",
                        Instant.parse("2026-03-01T00:00:00Z"),
                        "rotate the keys",
                        "rotated",
                        "done",
                        0.9,
                        List.of())),
                StandardCharsets.UTF_8);
    }

    private static Path properties(String user, String password) throws Exception {
        StringBuilder file = new StringBuilder("# acme's agents\n");
        kafka.connectionAs(user, password)
                .clientProperties()
                .forEach((k, v) -> file.append(k)
                        .append('=')
                        .append(v.replace("\\", "\\\\"))
                        .append('\n'));
        file.append("delivery.timeout.ms=20000\nrequest.timeout.ms=10000\nmax.block.ms=20000\n");
        return Files.writeString(dir.resolve(user + ".properties"), file.toString());
    }

    @Test
    void aTenantsCredentialsWriteItsOwnTopicAndNoOther() throws Exception {
        Path acmeProperties = properties("acme-agents", "acme-secret");
        Path own = Files.write(dir.resolve("acme.jsonl"), List.of(line("p-1", "acme"), line("p-2", "acme")));
        // The ACL reaches the broker's authorizer with the metadata: a first refusal may come before it.
        EngramCliTest.Run sent = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (sent == null || (sent.exitCode() != 0 && System.nanoTime() < deadline)) {
            sent = EngramCliTest.run(
                    "produce",
                    own.toString(),
                    "--bootstrap",
                    kafka.bootstrapServers(),
                    "--kafka-properties",
                    acmeProperties.toString(),
                    "--feedback-layout",
                    "per-tenant");
        }
        assertThat(sent.exitCode()).as(sent.err()).isZero();
        assertThat(sent.out()).contains("2 acknowledged", "engram.feedback.<tenant>");
        assertThat(eventIds(Topics.tenantFeedback("acme"))).contains("p-1", "p-2");

        Path foreign = Files.write(dir.resolve("globex.jsonl"), List.of(line("p-3", "globex")));
        EngramCliTest.Run refused = EngramCliTest.run(
                "produce",
                foreign.toString(),
                "--bootstrap",
                kafka.bootstrapServers(),
                "--kafka-properties",
                acmeProperties.toString(),
                "--feedback-layout",
                "per-tenant");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("1 events were not sent").contains("TopicAuthorizationException");
        assertThat(eventIds(Topics.tenantFeedback("globex"))).isEmpty();
    }

    @Test
    void aPropertiesFileThatSetsAnOwnedKeyIsRefusedWithTheKey() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.properties"), "enable.auto.commit=true\n");
        Path events = Files.write(dir.resolve("any.jsonl"), List.of(line("p-9", "acme")));
        EngramCliTest.Run run = EngramCliTest.run(
                "produce",
                events.toString(),
                "--bootstrap",
                kafka.bootstrapServers(),
                "--kafka-properties",
                bad.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("enable.auto.commit").contains("delivery guarantees");
        for (String command : List.of("serve", "worker", "demo", "produce")) {
            assertThat(EngramCliTest.run(command, "--help").out()).as(command).contains("--kafka-properties");
        }
        assertThat(EngramCliTest.run("serve", "--help").out())
                .contains("--feedback-layout", "--max-concurrent-recalls");
    }

    private static List<String> eventIds(String topic) {
        return TopicRecords.values(kafka.connection(), topic).stream()
                .map(v -> EventCodec.decodeFeedback(v).eventId())
                .toList();
    }
}
