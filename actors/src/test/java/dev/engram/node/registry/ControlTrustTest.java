package dev.engram.node.registry;

import static dev.engram.node.registry.NodeAdapterApi.await;
import static dev.engram.node.registry.NodeAdapterApi.key;
import static dev.engram.node.registry.NodeAdapterApi.post;
import static dev.engram.node.registry.NodeAdapterApi.recallVersion;
import static dev.engram.node.registry.TestAdapters.BETTER;
import static dev.engram.node.registry.TestAdapters.adapter;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.auth.NodeKey;
import dev.engram.node.http.ApiJson;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.runtime.EngramClient;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.ControlSignature;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedNodeKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operator controls are not trusted on their publisher's word: on a real broker, with the real
 * MiniLM serving real adapters, a node applies a pin, unpin or rollback only when a node key it
 * trusts signed it (its own, or one given as a trusted node); unsigned, strangers', altered,
 * replayed and unreadable control records are skipped and counted, never change what serves and
 * never stop the node from reading the topic. Two nodes that trust each other's keys both follow a
 * pin made on either.
 */
class ControlTrustTest {

    @TempDir
    static Path tmp;

    private static TextEncoder encoder;
    private static KafkaProducer<String, byte[]> producer;
    private static AdapterPublisher publisher;
    private static List<AdapterFile> files;

    @BeforeAll
    static void start() throws Exception {
        encoder = TextEncoder.load();
        producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers());
        publisher = AdapterPublisher.over(producer);
        files = TestAdapters.files(encoder, tmp.resolve("made"), 11);
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
        if (encoder != null) {
            encoder.close();
        }
    }

    private static EngramNode startNode(String dir, TrustedNodeKeys trustedNodes) {
        return EngramNode.start(NodeConfig.builder(tmp.resolve(dir))
                .bootstrapServers(SharedKafka.bootstrapServers())
                .httpPort(0)
                .groupId("control-trust-" + dir)
                .embedder(encoder)
                .tuning(TuningSchedulerConfig.disabled())
                .trustedWorkers(TestAdapters.TRUSTED)
                .trustedNodes(trustedNodes)
                .build());
    }

    @Test
    void forgedControlsNeverChangeWhatServesWhileAnOperatorsPinThroughHttpDoes() throws Exception {
        String name = "ctl-a";
        String tenant = "tenant-ctl-a";
        try (EngramNode node = startNode("node-a", TrustedNodeKeys.none())) {
            publisher.publish(adapter(name, tenant, 1, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            publisher.publish(adapter(name, tenant, 2, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            await(() -> (name + "/v2").equals(recallVersion(node, tenant)), "v2 serves");
            AdapterRegistry registry = node.adapters();
            await(registry::caughtUp, "the node read the topic");
            long before = registry.refusedControls();

            // Unsigned, in the name of the node's own admin.
            publisher.publish(AdapterControl.pin(name, 1, "admin", "forged", Instant.now()));
            awaitRefused(registry, before + 1, name, "unsigned");
            // Signed, but by a key no one gave the node.
            publisher.publish(ControlSignature.sign(
                    AdapterControl.pin(name, 1, "admin", "forged", Instant.now()),
                    KeyPairGenerator.getInstance("Ed25519").generateKeyPair()));
            awaitRefused(registry, before + 2, name, "not trusted here");
            // Signed with the node's own key (read from its data directory), then altered: unpin became pin v1.
            AdapterControl genuine = NodeKey.loadOrCreate(tmp.resolve("node-a"))
                    .sign(AdapterControl.unpin(name, "admin", "", Instant.now()));
            publisher.publish(new AdapterControl(
                    1,
                    name,
                    AdapterControl.Action.PIN,
                    1L,
                    "admin",
                    "",
                    genuine.issuedAt(),
                    genuine.signerKeyId(),
                    genuine.signature()));
            awaitRefused(registry, before + 3, name, "does not verify");
            // Not even a control: the registry counts it and reads on.
            producer.send(new ProducerRecord<>(
                            Topics.ADAPTERS,
                            name + "/control",
                            "{\"action\": \"PIN\"".getBytes(StandardCharsets.UTF_8)))
                    .get();
            awaitRefused(registry, before + 4, name, "unreadable");
            assertThat(recallVersion(node, tenant)).isEqualTo(name + "/v2");
            assertThat(NodeAdapterApi.adapterView(node, name).hasNonNull("pinned"))
                    .as("no forged pin is listed")
                    .isFalse();

            // An operator's pin through the HTTP API: signed by the node, with the key's principal inside.
            HttpResponse<String> pinned = post(node, "/v1/adapters/" + name + "/pin", "{\"version\": 1}");
            assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(202);
            JsonNode published = ApiJson.mapper().readTree(pinned.body()).get("published");
            assertThat(published.get("signerKeyId").asText())
                    .isEqualTo(node.nodeKey().id());
            assertThat(published.get("operator").asText()).isEqualTo("admin");
            await(() -> (name + "/v1").equals(recallVersion(node, tenant)), "the operator's pin serves v1");
            assertThat(post(node, "/v1/adapters/" + name + "/unpin", "{}").statusCode())
                    .isEqualTo(202);
            await(() -> (name + "/v2").equals(recallVersion(node, tenant)), "unpinned: v2 serves again");

            // The operator's genuine pin, copied back onto the topic after the unpin: a replay, skipped.
            AdapterControl replayed =
                    ContinualCodec.decodeAdapterControl(ApiJson.mapper().writeValueAsBytes(published));
            publisher.publish(replayed);
            awaitRefused(registry, before + 5, name, "not after the control already applied");
            assertThat(recallVersion(node, tenant)).isEqualTo(name + "/v2");

            JsonNode health = health(node);
            assertThat(health.get("refusedControls").asLong()).isEqualTo(before + 5);
            assertThat(health.get("lastRefusedControl").asText()).startsWith(name + ": ");
            assertThat(get(node, "/metrics").body())
                    .contains("engram_adapters_controls_refused_total " + (double) (before + 5));
        }
    }

    @Test
    void twoNodesThatTrustEachOthersKeysBothFollowAPinMadeOnEither() throws Exception {
        String name = "ctl-b";
        String tenant = "tenant-ctl-b";
        // Keys exchanged before the nodes first start, as 'engram node-key --data DIR' allows.
        NodeKey keyA = NodeKey.loadOrCreate(tmp.resolve("pair-a"));
        NodeKey keyB = NodeKey.loadOrCreate(tmp.resolve("pair-b"));
        try (EngramNode a = startNode("pair-a", TrustedNodeKeys.of(keyB.publicKey()));
                EngramNode b = startNode("pair-b", TrustedNodeKeys.of(keyA.publicKey()))) {
            assertThat(a.nodeKey().id()).isEqualTo(keyA.id());
            publisher.publish(adapter(name, tenant, 1, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            publisher.publish(adapter(name, tenant, 2, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            await(
                    () -> (name + "/v2").equals(recallVersion(a, tenant))
                            && (name + "/v2").equals(recallVersion(b, tenant)),
                    "v2 serves on both nodes");

            assertThat(post(a, "/v1/adapters/" + name + "/pin", "{\"version\": 1, \"reason\": \"v2 hurts\"}")
                            .statusCode())
                    .isEqualTo(202);
            await(
                    () -> (name + "/v1").equals(recallVersion(a, tenant))
                            && (name + "/v1").equals(recallVersion(b, tenant)),
                    "the pin made on node a serves v1 on both nodes");
            assertThat(NodeAdapterApi.adapterView(b, name)
                            .get("control")
                            .get("operator")
                            .asText())
                    .isEqualTo("admin");

            // The SDK's unpin on node b: the control it gets back is signed by b, with the key's principal inside.
            try (EngramClient sdk = EngramClient.builder()
                    .nodeUrl(URI.create(b.httpUrl()))
                    .apiKey(key(b))
                    .agentId("control-trust-sdk")
                    .build()) {
                AdapterControl unpin = sdk.adapters().unpin(name, "v2 fixed").published();
                assertThat(unpin.operator()).isEqualTo("admin");
                assertThat(ControlSignature.verify(unpin, TrustedNodeKeys.of(keyB.publicKey()))
                                .trusted())
                        .isTrue();
            }
            await(
                    () -> (name + "/v2").equals(recallVersion(a, tenant))
                            && (name + "/v2").equals(recallVersion(b, tenant)),
                    "the unpin made on node b serves v2 on both nodes");
        }
    }

    private static void awaitRefused(AdapterRegistry registry, long count, String adapter, String why) {
        await(() -> registry.refusedControls() >= count, "control record " + count + " refused (" + why + ")");
        assertThat(registry.lastRefusedControl()).startsWith(adapter + ": ").contains(why);
    }

    private static JsonNode health(EngramNode node) throws Exception {
        return ApiJson.mapper().readTree(get(node, "/health").body());
    }

    private static HttpResponse<String> get(EngramNode node, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(node.httpUrl() + path))
                                .header("Authorization", "Bearer " + key(node))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
