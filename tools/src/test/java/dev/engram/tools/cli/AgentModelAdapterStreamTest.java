package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.engram.agentmodel.AdaptedModel;
import dev.engram.agentmodel.LlamaModel;
import dev.engram.agentmodel.TokenBatch;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.runtime.AdapterInfo;
import dev.engram.runtime.AdapterVersionInfo;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.PlanLossMetrics;
import dev.engram.streams.TrustedWorkerKeys;
import dev.engram.tools.LocalEngram;
import dev.engram.worker.WorkerKey;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent-model adapter travels the stream as its own kind: {@code engram agent-model --publish}
 * trains, gates, signs and publishes it on the real broker; a node lists it with its kind and its
 * gate verdict and never loads it; the SDK writes the promoted version as a PEFT folder equal to
 * the trained one, byte for byte, that reloads to the same logits; {@code engram adapters export}
 * writes the same folder; unsigned, untrusted and gate-rejected versions reach no runtime.
 */
class AgentModelAdapterStreamTest {

    private static final String NAME = "acme-agent";
    private static final String TENANT = "acme";
    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aPublishedAgentModelAdapterIsListedByTheNodeDeliveredByTheSdkAndExported() throws Exception {
        Path data = dir.resolve("data");
        WorkerKey key = WorkerKey.loadOrCreate(LocalEngram.workerKeyDir(data));
        Path trustedFile = key.dir().resolve(WorkerKey.PUBLIC_FILE);
        String bootstrap = SharedKafka.bootstrapServers();
        Path model = AgentModelCommandTest.model(dir);
        Path trained = dir.resolve("acme-v1");
        List<AdapterPublished> delivered = new CopyOnWriteArrayList<>();
        try (EngramNode node = EngramNode.start(NodeConfig.builder(dir.resolve("node"))
                        .bootstrapServers(bootstrap)
                        .httpPort(0)
                        .groupId(TestIds.unique("agent-model"))
                        .tuning(TuningSchedulerConfig.disabled())
                        .trustedWorkers(TrustedWorkerKeys.load(trustedFile))
                        .build());
                EngramClient runtime = EngramClient.builder()
                        .bootstrapServers(bootstrap)
                        .trustedWorkers(trustedFile)
                        .agentModelAdapters(dir.resolve("runtime"))
                        .agentId("agent-1")
                        .build();
                EngramClient operator = EngramClient.builder()
                        .nodeUrl(URI.create(node.httpUrl()))
                        .apiKey(node.localAdminKey().orElseThrow())
                        .agentId("operator")
                        .build();
                KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {
            runtime.onAdapter(a -> {
                if (a.adapterName().equals(NAME)) {
                    delivered.add(a);
                }
            });

            EngramCliTest.Run run = EngramCliTest.run(
                    "agent-model",
                    "--model",
                    model.toString(),
                    "--feedback",
                    AgentModelCommandTest.feedback(dir, List.of()).toString(),
                    "--tenant",
                    TENANT,
                    "--out",
                    trained.toString(),
                    "--steps",
                    "30",
                    "--lr",
                    "2e-2",
                    "--r",
                    "4",
                    "--alpha",
                    "8",
                    "--targets",
                    "all-linear",
                    "--min-reward",
                    "0.5",
                    "--held-out",
                    "0.25",
                    "--batch",
                    "8",
                    "--publish",
                    NAME,
                    "--bootstrap",
                    bootstrap,
                    "--data",
                    data.toString());
            assertThat(run.exitCode()).as(run.err() + run.out()).isZero();
            assertThat(run.out()).contains("gate: promote", "published: " + NAME + " v1 on engram.adapters");

            // The runtime gets v1, promoted by its signed gate verdict, with its folder written first.
            Await.until("the SDK delivers v1", BOUND, () -> !delivered.isEmpty());
            AdapterPublished v1 = delivered.get(0);
            assertThat(v1.kind()).isEqualTo(AdapterKind.AGENT_MODEL);
            assertThat(v1.version()).isEqualTo(1);
            assertThat(v1.status()).isEqualTo(AdapterStatus.PROMOTED);
            assertThat(v1.statusReason()).startsWith("plan-loss gate: promote");
            assertThat(v1.planLoss().candidateNll()).isLessThan(v1.planLoss().servingNll());
            Path folder = runtime.agentModelFolder(v1);
            assertSameFolder(folder, trained);
            assertSameLogits(model, folder, trained);

            // The node lists it with its kind and verdict, loads nothing of it, and will not pin it.
            Await.until(
                    "listed",
                    BOUND,
                    () -> listed(operator) != null
                            && listed(operator).version(1).isPresent());
            AdapterInfo info = listed(operator);
            assertThat(info.kind()).isEqualTo(AdapterKind.AGENT_MODEL);
            assertThat(info.tenant()).isEqualTo(TENANT);
            assertThat(info.serving()).isNull();
            AdapterVersionInfo listedV1 = info.version(1).orElseThrow();
            assertThat(listedV1.status()).isEqualTo(AdapterStatus.PROMOTED);
            assertThat(listedV1.planLoss()).isEqualTo(v1.planLoss());
            assertThat(listedV1.metrics()).isNull();
            assertThat(listedV1.verified()).isFalse();
            assertThat(listedV1.serving()).isFalse();
            assertThat(operator.adapters().list().adapters())
                    .filteredOn(a -> a.name().equals(NAME))
                    .singleElement()
                    .extracting(AdapterInfo::kind)
                    .isEqualTo(AdapterKind.AGENT_MODEL);
            try (Stream<Path> files = Files.walk(dir.resolve("node"))) {
                assertThat(files.filter(p -> p.toString().contains(NAME)))
                        .as("nothing of an agent-model adapter is written by the node")
                        .isEmpty();
            }
            assertThatThrownBy(() -> operator.adapters().pin(NAME, 1, "try"))
                    .isInstanceOfSatisfying(
                            EngramApiException.class,
                            e -> assertThat(e.status()).isEqualTo(409))
                    .hasMessageContaining("agent-model adapter");

            // Unsigned, untrusted and gate-rejected versions reach no runtime; v5 after them does (one partition per
            // name).
            PlanLossMetrics rejecting = new PlanLossMetrics(
                    2.5, 2.0, 6, -0.5, -0.8, -0.2, false, "reject: worse by more than 0.0100 (n 6, mean gain -0.5000)");
            try (AdapterPublisher publisher = AdapterPublisher.over(producer)) {
                publisher.publish(candidate(2, v1, v1.planLoss()));
                KeyPairGenerator ed25519 = KeyPairGenerator.getInstance("Ed25519");
                publisher.publish(AdapterSignature.sign(candidate(3, v1, v1.planLoss()), ed25519.generateKeyPair()));
                publisher.publish(key.sign(candidate(4, v1, rejecting)));
                publisher.publish(key.sign(candidate(5, v1, v1.planLoss())));
            }
            Await.until("the SDK delivers v5", BOUND, () -> delivered.size() >= 2);
            assertThat(delivered).extracting(AdapterPublished::version).containsExactly(1L, 5L);
            assertThat(dir.resolve("runtime").resolve(NAME))
                    .isDirectoryNotContaining("glob:**/v2")
                    .isDirectoryNotContaining("glob:**/v3")
                    .isDirectoryNotContaining("glob:**/v4");
            assertSameFolder(runtime.agentModelFolder(delivered.get(1)), trained);

            Await.until(
                    "the node lists v5",
                    BOUND,
                    () -> listed(operator).version(5).isPresent());
            AdapterInfo after = listed(operator);
            assertThat(after.version(2).orElseThrow().reason()).contains("unsigned");
            assertThat(after.version(3).orElseThrow().reason()).contains("not trusted");
            assertThat(after.version(4).orElseThrow().status()).isEqualTo(AdapterStatus.REJECTED);
            assertThat(after.version(4).orElseThrow().reason()).contains("reject: worse");
            assertThat(after.version(5).orElseThrow().status()).isEqualTo(AdapterStatus.PROMOTED);

            // The operator's export for a serving stack: the same folder, and only what a trusted key signed.
            Path exported = dir.resolve("export-v1");
            EngramCliTest.Run export = EngramCliTest.run(
                    "adapters",
                    "export",
                    NAME,
                    "1",
                    exported.toString(),
                    "--bootstrap",
                    bootstrap,
                    "--trusted-workers",
                    trustedFile.toString());
            assertThat(export.exitCode()).as(export.err() + export.out()).isZero();
            assertThat(export.out()).contains("agent-model adapter", "signed by trusted worker key " + key.id());
            assertSameFolder(exported, trained);
            EngramCliTest.Run unsigned = EngramCliTest.run(
                    "adapters",
                    "export",
                    NAME,
                    "2",
                    dir.resolve("export-v2").toString(),
                    "--bootstrap",
                    bootstrap,
                    "--trusted-workers",
                    trustedFile.toString());
            assertThat(unsigned.exitCode()).isEqualTo(1);
            assertThat(unsigned.err()).contains("not written", "unsigned");
            assertThat(dir.resolve("export-v2")).doesNotExist();
        }
    }

    private static AdapterInfo listed(EngramClient operator) {
        try {
            return operator.adapters().get(NAME);
        } catch (EngramApiException e) {
            return null; // 404 until the node has read it
        }
    }

    private static AdapterPublished candidate(long version, AdapterPublished like, PlanLossMetrics gate) {
        return AdapterPublished.agentModelCandidate(
                NAME,
                TENANT,
                version,
                null,
                like.baseModelId(),
                like.config(),
                gate,
                NAME + "-v" + version,
                like.files(),
                Instant.parse("2026-01-02T00:00:00Z"));
    }

    private static void assertSameFolder(Path actual, Path expected) throws Exception {
        try (Stream<Path> files = Files.list(actual)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(AdapterFile.PEFT_CONFIG, AdapterFile.PEFT_WEIGHTS);
        }
        for (String name : List.of(AdapterFile.PEFT_CONFIG, AdapterFile.PEFT_WEIGHTS)) {
            assertThat(Files.readAllBytes(actual.resolve(name)))
                    .as(name)
                    .isEqualTo(Files.readAllBytes(expected.resolve(name)));
        }
    }

    private static void assertSameLogits(Path model, Path delivered, Path trained) throws Exception {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                LlamaModel base = LlamaModel.load(model, manager);
                AdaptedModel fromStream = AdaptedModel.load(delivered, base, manager);
                AdaptedModel fromTraining = AdaptedModel.load(trained, base, manager)) {
            TokenBatch batch = TokenBatch.rightPadded(List.of(new long[] {5, 9, 12, 7, 3}, new long[] {4, 6, 8}), 0);
            float[] streamed = logits(manager, fromStream.model(), batch);
            assertThat(streamed).isEqualTo(logits(manager, fromTraining.model(), batch));
            assertThat(streamed).as("the adapter changes the model").isNotEqualTo(logits(manager, base, batch));
        }
    }

    private static float[] logits(NDManager parent, LlamaModel model, TokenBatch batch) {
        try (NDManager step = parent.newSubManager()) {
            return model.logits(step, batch, false).toFloatArray();
        }
    }
}
