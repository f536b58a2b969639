package dev.engram.node.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.http.AuditRoutes;
import dev.engram.node.registry.PromotionGate;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.HashingEmbedder;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TenantFixture;
import dev.engram.node.testing.TestIds;
import dev.engram.node.testing.TrainingRecords;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.runtime.AcceptedControl;
import dev.engram.runtime.AdapterInfo;
import dev.engram.runtime.AdapterListing;
import dev.engram.runtime.AdapterVersionInfo;
import dev.engram.runtime.AuditRecord;
import dev.engram.runtime.DeadLetterInfo;
import dev.engram.runtime.DeadLetterListing;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.Feedback;
import dev.engram.runtime.InvalidRequestException;
import dev.engram.runtime.NodeAdapters;
import dev.engram.runtime.NodeHealth;
import dev.engram.runtime.NodeOperations;
import dev.engram.runtime.RecallMode;
import dev.engram.runtime.TenantInfo;
import dev.engram.runtime.TrainingJobInfo;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrustedWorkerKeys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route of the node through the SDK, against a real node and broker: recall in each mode,
 * health, the adapter routes (list, files, pin, unpin, rollback), the tenants, the dead letters and the training jobs,
 * with the node's errors as
 * {@link EngramApiException}s.
 */
class SdkNodeRoutesTest {

    @Test
    void recallInEachModeIsAnsweredInThatModeAndHealthIsTyped(@TempDir Path data) {
        String bootstrap = SharedKafka.bootstrapServers();
        String tenant = tenant("sdk-modes");
        // The tenant's own feedback topic: a new consumer group on the shared topic would first give a
        // vector to every case the suite's other classes sent there, and this test waits for one.
        TopicAdmin.ensureTopics(bootstrap, List.of(Topics.tenantFeedbackSpec(tenant)));
        NodeConfig config = NodeConfig.builder(data)
                .bootstrapServers(bootstrap)
                .feedbackLayout(FeedbackTopicLayout.PER_TENANT)
                .groupId(TestIds.unique("sdk-modes"))
                .httpPort(0)
                .embedder(new HashingEmbedder(384))
                .tuning(TuningSchedulerConfig.disabled())
                .build();
        try (EngramNode node = EngramNode.start(config);
                EngramClient client = EngramClient.builder()
                        .nodeUrl(URI.create(node.httpUrl()))
                        .apiKey(node.localAdminKey().orElseThrow())
                        .bootstrapServers(bootstrap)
                        .feedbackLayout(FeedbackTopicLayout.PER_TENANT)
                        .agentId("sdk-modes")
                        .build();
                EngramClient anonymous = EngramClient.builder()
                        .nodeUrl(URI.create(node.httpUrl()))
                        .agentId("sdk-modes")
                        .build()) {
            client.feedback(Feedback.forTask(tenant, "wing flutter at transonic speed")
                    .plan("added a mass balance to the aileron")
                    .outcome("flutter gone")
                    .reward(0.9)
                    .build());
            // BM25 finds a case as soon as its batch is durable; its vector follows off the write path
            Await.until(
                    "the node to serve the case sent through the SDK, by BM25 and by its vector",
                    Duration.ofSeconds(60),
                    () -> !client.recall(tenant, "wing flutter", 5, RecallMode.BM25)
                                    .ranked()
                                    .isEmpty()
                            && !client.recall(tenant, "wing flutter", 5, RecallMode.DENSE)
                                    .ranked()
                                    .isEmpty());

            assertThat(client.recall(tenant, "wing flutter", 5).mode())
                    .as("the node's default")
                    .isEqualTo("hybrid");
            for (RecallMode mode : RecallMode.values()) {
                RecallResponse answer = client.recall(tenant, "wing flutter", 3, mode);
                assertThat(answer.mode()).isEqualTo(mode.wireName());
                assertThat(answer.k()).isEqualTo(3);
                assertThat(answer.ranked()).extracting(c -> c.plan()).contains("added a mass balance to the aileron");
            }
            assertThat(client.recall(tenant, "wing flutter", 3, "BM25").mode()).isEqualTo("bm25");
            assertThatThrownBy(() -> client.recall(tenant, "wing flutter", 3, "sparse"))
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.field()).isEqualTo("mode");
                        assertThat(e.getMessage()).isEqualTo("mode: must be one of hybrid, bm25, dense, was 'sparse'");
                    });
            assertThatThrownBy(() -> client.recall(tenant, "  ", 3, RecallMode.DENSE))
                    .isInstanceOfSatisfying(EngramApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.field()).isEqualTo("task");
                    });

            Await.until(
                    "the node to be assigned its feedback partitions",
                    Duration.ofSeconds(60),
                    () -> !client.health().assignedPartitions().isEmpty());
            NodeHealth health = client.health();
            assertThat(health.status()).isEqualTo(NodeHealth.UP);
            assertThat(health.up()).isTrue();
            assertThat(health.serving()).isTrue();
            assertThat(health.consumer()).isEqualTo("RUNNING");
            assertThat(health.recallMode()).isEqualTo("hybrid");
            assertThat(health.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(health.assignedPartitions())
                    .allMatch(p -> p.startsWith("engram.feedback."))
                    .anyMatch(p -> p.startsWith(Topics.tenantFeedback(tenant) + "-"));
            assertThat(health.stalledPartitions()).isEmpty();
            assertThat(health.servingVersions()).isEmpty();
            assertThat(health.consumerError()).isNull();

            NodeHealth open = anonymous.health();
            assertThat(open.status()).as("/health tells anyone the status").isEqualTo(NodeHealth.UP);
            assertThat(open.assignedPartitions())
                    .as("and only the status, without a key")
                    .isEmpty();
            assertThat(open.recallMode()).isNull();
        }
    }

    @Test
    void adaptersAreListedPinnedRolledBackAndUnpinnedThroughTheSdk(@TempDir Path data) throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String tenant = tenant("sdk-adapters");
        String name = tenant + "-retriever";
        KeyPair worker =
                KeyPairGenerator.getInstance(AdapterSignature.ALGORITHM).generateKeyPair();
        NodeConfig config = NodeConfig.builder(data)
                .bootstrapServers(bootstrap)
                .groupId(TestIds.unique("sdk-adapters"))
                .httpPort(0)
                .trustedWorkers(TrustedWorkerKeys.of(worker.getPublic()))
                .tuning(TuningSchedulerConfig.disabled())
                .build();
        try (EngramNode node = EngramNode.start(config);
                KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap);
                AdapterPublisher publisher = AdapterPublisher.over(producer);
                EngramClient admin = client(node, node.localAdminKey().orElseThrow())) {
            publisher.publish(AdapterSignature.sign(adapter(name, tenant, 1), worker));
            publisher.publish(AdapterSignature.sign(adapter(name, tenant, 2), worker));
            NodeAdapters adapters = admin.adapters();
            Await.until(
                    "both versions to be listed",
                    Duration.ofSeconds(60),
                    () -> adapters.list()
                            .adapter(name)
                            .map(a -> a.versions().size() == 2)
                            .orElse(false));

            AdapterListing listing = adapters.list();
            AdapterInfo listed = listing.adapter(name).orElseThrow();
            assertThat(listed.tenant()).isEqualTo(tenant);
            assertThat(listed.pinned()).isNull();
            assertThat(listed.control()).isNull();
            assertThat(listed.versions())
                    .extracting(AdapterVersionInfo::version)
                    .containsExactly(1L, 2L);
            assertThat(listed.version(2).orElseThrow().metrics().heldOutNdcg10())
                    .isEqualTo(0.41);
            assertThat(listed.version(2).orElseThrow().status())
                    .as(listed.version(2).orElseThrow().reason())
                    .isEqualTo(AdapterStatus.PROMOTED);

            PromotionGate gate = node.config().promotionGate();
            assertThat(listing.gate())
                    .isEqualTo(new AdapterListing.Gate(
                            gate.minHeldOutGain(), gate.maxRetentionLoss(), gate.maxHeldOutLoss(), gate.confidence()));
            assertThat(adapters.get(name)).isEqualTo(listed);

            AdapterPublished published2 = adapter(name, tenant, 2);
            Map<String, byte[]> files = unzip(adapters.files(name, 2));
            assertThat(files.keySet())
                    .containsExactlyElementsOf(
                            published2.files().stream().map(AdapterFile::name).toList());
            published2
                    .files()
                    .forEach(f -> assertThat(files.get(f.name())).as(f.name()).isEqualTo(f.bytes()));
            assertThatThrownBy(() -> adapters.files(name, 7))
                    .isInstanceOfSatisfying(
                            EngramApiException.class,
                            e -> assertThat(e.status()).isEqualTo(404));

            AcceptedControl pin = adapters.pin(name, 1, "v2 hurts refunds");
            assertThat(pin.published().action()).isEqualTo(AdapterControl.Action.PIN);
            assertThat(pin.published().version()).isEqualTo(1L);
            assertThat(pin.published().operator())
                    .as("the principal of the client's key")
                    .isEqualTo("admin");
            assertThat(pin.published().reason()).isEqualTo("v2 hurts refunds");
            assertThat(pin.offset()).isNotNegative();
            Await.until(
                    "the pin to be in force",
                    Duration.ofSeconds(30),
                    () -> Long.valueOf(1).equals(adapters.get(name).pinned()));

            AcceptedControl rollback = adapters.rollback(name, 1, "v2 regressed");
            assertThat(rollback.published().action()).isEqualTo(AdapterControl.Action.ROLLBACK);
            Await.until(
                    "the rollback to be in force",
                    Duration.ofSeconds(30),
                    () -> controlOf(adapters, name)
                            .map(c -> c.action() == AdapterControl.Action.ROLLBACK)
                            .orElse(false));
            assertThat(adapters.get(name).pinned()).isNull();

            AcceptedControl unpin = adapters.unpin(name, null);
            assertThat(unpin.published().action()).isEqualTo(AdapterControl.Action.UNPIN);
            assertThat(unpin.published().version()).isNull();
            assertThat(unpin.offset())
                    .as("one partition per adapter's controls")
                    .isGreaterThan(rollback.offset());
            Await.until(
                    "the unpin to be in force",
                    Duration.ofSeconds(30),
                    () -> controlOf(adapters, name)
                            .map(c -> c.action() == AdapterControl.Action.UNPIN)
                            .orElse(false));

            assertThat(admin.admin().audit(AuditRoutes.MAX_LIMIT))
                    .filteredOn(r -> r.target().equals(name))
                    .extracting(AuditRecord::action)
                    .containsExactly("adapter.pin", "adapter.rollback", "adapter.unpin");

            assertThatThrownBy(() -> adapters.pin(name, 0, "none"))
                    .isInstanceOfSatisfying(EngramApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.field()).isEqualTo("version");
                        assertThat(e.nodeMessage()).contains("whole number >= 1");
                    });
            assertThatThrownBy(() -> adapters.get(tenant + "-never-published"))
                    .isInstanceOfSatisfying(EngramApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(404);
                        assertThat(e.nodeMessage()).contains("no adapter named");
                    });
            assertThatThrownBy(() -> adapters.pin("Not/A name", 1, ""))
                    .isInstanceOfSatisfying(
                            InvalidRequestException.class,
                            e -> assertThat(e.field()).isEqualTo("name"));

            String readerKey = admin.admin()
                    .createKey("sdk-adapter-reader", "reader", List.of(tenant))
                    .key();
            try (EngramClient reader = client(node, readerKey)) {
                assertThatThrownBy(() -> reader.adapters().files(name, 2))
                        .as("the files are an operator's")
                        .isInstanceOfSatisfying(
                                EngramApiException.class,
                                e -> assertThat(e.status()).isEqualTo(403));
                assertThat(reader.adapters().list().adapters())
                        .as("a key sees its tenants' adapters only")
                        .extracting(AdapterInfo::name)
                        .containsExactly(name);
                assertThatThrownBy(() -> reader.adapters().unpin(name, "a reader may not"))
                        .isInstanceOfSatisfying(
                                EngramApiException.class,
                                e -> assertThat(e.status()).isEqualTo(403));
            }
        }
    }

    @Test
    void tenantsDeadLettersAndTrainingJobsAreReadThroughTheSdk() {
        EngramNode node = SharedNode.get();
        String tenant = tenant("sdk-ops");
        Produced.send(
                SharedKafka.bootstrapServers(),
                List.of(new FeedbackStream.Item(tenant, new byte[] {(byte) 0xfe, 0x01}, null, false, "json")));
        TrainingJob job = TrainingRecords.job(tenant + "-job", tenant, 1, Instant.parse("2026-03-01T10:00:00Z"));
        String fixture = tenant("sdk-tenant");
        TenantFixture.create(node, fixture);
        try (EngramClient admin = client(node, SharedNode.adminKey());
                TrainingRecords records = new TrainingRecords()) {
            NodeOperations ops = admin.operations();
            Await.until(
                    "the record to be dead-lettered",
                    Duration.ofSeconds(60),
                    () -> ops.deadLetters(null, tenant, 10).deadLetters().size() == 1);
            DeadLetterListing listing = ops.deadLetters("JSON", tenant, 10);
            DeadLetterInfo letter = listing.deadLetters().get(0);
            assertThat(letter.tenant()).isEqualTo(tenant);
            assertThat(letter.sourceTopic()).isEqualTo("engram.feedback");
            assertThat(letter.reason()).startsWith("json");
            assertThat(letter.payloadAsBytes()).containsExactly((byte) 0xfe, 0x01);
            assertThat(listing.total()).isGreaterThanOrEqualTo(listing.scanned());
            assertThat(ops.deadLetters("no such reason anywhere", tenant, 10).deadLetters())
                    .isEmpty();

            records.send(job);
            records.step(job, 3, 6, 0.7, Instant.parse("2026-03-01T10:00:03Z"));
            Await.until(
                    "the job to be running",
                    Duration.ofSeconds(60),
                    () -> ops.trainingJobs(tenant, "running", 10).size() == 1);
            TrainingJobInfo listed = ops.trainingJobs(tenant, null, 10).get(0);
            assertThat(listed.jobId()).isEqualTo(job.jobId());
            assertThat(listed.state()).isEqualTo("RUNNING");
            assertThat(listed.fraction()).isEqualTo(0.5);
            assertThat(listed.lossCurve()).as("lists leave curves out").isEmpty();
            assertThat(ops.trainingJob(job.jobId()).lossCurve()).containsExactly(new TrainingJobInfo.LossPoint(3, 0.7));
            assertThatThrownBy(() -> ops.trainingJob(tenant + "-unknown"))
                    .isInstanceOfSatisfying(
                            EngramApiException.class,
                            e -> assertThat(e.status()).isEqualTo(404));
            assertThatThrownBy(() -> ops.trainingJobs(tenant, "asleep", 10))
                    .isInstanceOfSatisfying(
                            EngramApiException.class, e -> assertThat(e.field()).isEqualTo("state"));
            TenantInfo summary = ops.tenants().stream()
                    .filter(t -> t.tenant().equals(fixture))
                    .findFirst()
                    .orElseThrow();
            assertThat(summary.cases()).isEqualTo(4);
            assertThat(summary.usefulShare()).isEqualTo(0.667);
            assertThat(summary.servingVersion()).isEqualTo(2);
            assertThat(summary.versions())
                    .extracting(TenantInfo.VersionQuality::heldOutNdcg10)
                    .containsExactly(0.41, 0.43);
            assertThatThrownBy(() -> ops.deadLetters(null, null, 0))
                    .isInstanceOfSatisfying(
                            EngramApiException.class, e -> assertThat(e.field()).isEqualTo("limit"));
        }
    }

    private static Optional<AdapterControl> controlOf(NodeAdapters adapters, String name) {
        return Optional.ofNullable(adapters.get(name).control());
    }

    private static AdapterPublished adapter(String name, String tenant, long version) {
        // A BM25-only node does not load the files: it decides the signed candidate on its published figures.
        List<AdapterFile> files = List.of(
                new AdapterFile(AdapterFile.PEFT_CONFIG, "{}".getBytes(StandardCharsets.UTF_8)),
                new AdapterFile(AdapterFile.PEFT_WEIGHTS, new byte[] {1, 2, 3, 4}));
        return AdapterPublished.of(
                name,
                tenant,
                version,
                version > 1 ? version - 1 : null,
                "test-encoder",
                AdapterMethod.LORA_QUERY_SIDE,
                LoraTrainingConfig.defaults(),
                new AdapterMetrics(0.41, 0.40, 40, 0.39, 0.39, 20, Map.of()),
                AdapterStatus.CANDIDATE,
                "",
                "job-" + name + "-" + version,
                files,
                Instant.parse("2026-01-01T00:00:00Z"));
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws java.io.IOException {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (java.util.zip.ZipInputStream in =
                new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    private static EngramClient client(EngramNode node, String key) {
        return EngramClient.builder()
                .nodeUrl(URI.create(node.httpUrl()))
                .apiKey(key)
                .agentId("sdk-routes")
                .build();
    }

    private static String tenant(String prefix) {
        return TestIds.unique(prefix).toLowerCase().replaceAll("[^a-z0-9_-]", "-");
    }
}
