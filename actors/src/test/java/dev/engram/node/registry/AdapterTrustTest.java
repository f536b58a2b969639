package dev.engram.node.registry;

import static dev.engram.node.registry.NodeAdapterApi.adapterView;
import static dev.engram.node.registry.NodeAdapterApi.await;
import static dev.engram.node.registry.NodeAdapterApi.post;
import static dev.engram.node.registry.NodeAdapterApi.recallVersion;
import static dev.engram.node.registry.NodeAdapterApi.version;
import static dev.engram.node.registry.TestAdapters.BETTER;
import static dev.engram.node.registry.TestAdapters.adapter;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.http.ApiJson;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.runtime.EngramClient;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapters are not trusted on their publisher's word: on a real broker, a node with the real MiniLM
 * that trusts one worker key serves only candidates that key signed for the adapter's own tenant,
 * whose files load and whose canary passes, once its own gate promotes them; and when a serving
 * version breaks at recall time, recall falls back to its parent and still answers.
 */
class AdapterTrustTest {

    private static final String HEALTHY_TASK = "flutter";
    private static final String BREAKING_TASK = "zebra quokka";

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
        files = TestAdapters.files(encoder, tmp.resolve("made"), 5);
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

    private static EngramNode startNode(String dir) {
        return EngramNode.start(NodeConfig.builder(tmp.resolve(dir))
                .bootstrapServers(SharedKafka.bootstrapServers())
                .httpPort(0)
                .groupId("trust-" + dir)
                .embedder(encoder)
                .tuning(TuningSchedulerConfig.disabled())
                .trustedWorkers(TestAdapters.TRUSTED)
                .build());
    }

    @Test
    void onlyATrustedSignedCandidateTheGatePromotesServesAndRecallKeepsAnswering() throws Exception {
        String name = "trust-a";
        String tenant = "tenant-trust-a";
        BlockingQueue<AdapterPublished> sdkServed = new LinkedBlockingQueue<>();
        try (EngramNode node = startNode("node-a");
                EngramClient sdk = EngramClient.builder()
                        .nodeUrl(URI.create(node.httpUrl()))
                        .apiKey(NodeAdapterApi.key(node))
                        .bootstrapServers(SharedKafka.bootstrapServers())
                        .trustedWorkers(TestAdapters.TRUSTED)
                        .adapterCheckInterval(Duration.ofMillis(200))
                        .agentId("trust-sdk")
                        .build()) {
            sdk.onAdapter(a -> a.adapterName().equals(name) && a.status() == AdapterStatus.PROMOTED, sdkServed::add);
            publisher.publish(adapter(name, tenant, 1, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            await(() -> (name + "/v1").equals(recallVersion(node, tenant)), "the trusted, signed, promoted v1 serves");
            assertThat(version(node, name, 1).get("status").asText()).isEqualTo("PROMOTED");
            assertThat(version(node, name, 1).get("reason").asText()).startsWith("promoted by the gate");
            AdapterPublished sdkV1 = sdkServed.poll(30, TimeUnit.SECONDS);
            assertThat(sdkV1).as("the SDK delivers what the node serves").isNotNull();
            assertThat(sdkV1.version()).isEqualTo(1);
            assertThat(sdkV1.statusReason()).contains("promoted by the gate");

            List<AdapterFile> other = TestAdapters.files(encoder, tmp.resolve("other"), 6);
            AdapterPublished signedOther = adapter(name, tenant, 3, AdapterStatus.CANDIDATE, BETTER, other, encoder);
            Map<Long, AdapterPublished> refused = new LinkedHashMap<>();
            refused.put(2L, TestAdapters.unsigned(name, tenant, 2, BETTER, files, encoder));
            // v3: files swapped under the trusted worker's signature of other files.
            refused.put(
                    3L,
                    TestAdapters.unsigned(name, tenant, 3, BETTER, files, encoder)
                            .signed(signedOther.signerKeyId(), signedOther.signature()));
            refused.put(
                    4L,
                    AdapterSignature.sign(
                            TestAdapters.unsigned(name, tenant, 4, BETTER, files, encoder), TestAdapters.ed25519()));
            refused.put(5L, adapter(name, tenant, 5, AdapterStatus.PROMOTED, BETTER, files, encoder));
            refused.put(6L, adapter(name, "tenant-trust-thief", 6, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            refused.put(
                    7L,
                    adapter(name, tenant, 7, AdapterStatus.CANDIDATE, BETTER, TestAdapters.withNaN(files), encoder));
            refused.put(
                    8L,
                    adapter(
                            name,
                            tenant,
                            8,
                            AdapterStatus.CANDIDATE,
                            BETTER,
                            TestAdapters.withWrongShape(files),
                            encoder));
            refused.put(
                    9L,
                    adapter(
                            name,
                            tenant,
                            9,
                            AdapterStatus.CANDIDATE,
                            BETTER,
                            TestAdapters.withHugeWeights(files),
                            encoder));
            for (AdapterPublished a : refused.values()) {
                publisher.publish(a);
            }
            await(() -> version(node, name, 9) != null, "v9 listed");

            Map<Long, String> why = Map.of(
                    2L, "unsigned",
                    3L, "does not verify with worker key " + signedOther.signerKeyId(),
                    4L, "which is not trusted here",
                    5L, "published as PROMOTED by its publisher, not decided by this node's gate",
                    6L, "names tenant 'tenant-trust-thief', but trust-a has belonged to tenant 'tenant-trust-a'",
                    7L, "invalid adapter files",
                    8L, "invalid adapter files",
                    9L, "canary: the probe");
            for (long v = 2; v <= 9; v++) {
                JsonNode view = version(node, name, v);
                assertThat(view.get("status").asText()).as("v%d", v).isEqualTo("REJECTED");
                assertThat(view.get("verified").asBoolean()).as("v%d", v).isFalse();
                assertThat(view.get("serving").asBoolean()).as("v%d", v).isFalse();
                assertThat(view.get("reason").asText()).as("v%d", v).contains(why.get(v));
            }
            assertThat(version(node, name, 7).get("reason").asText()).containsIgnoringCase("nan");
            assertThat(version(node, name, 9).get("reason").asText()).contains("non-finite");
            assertThat(adapterView(node, name).get("tenant").asText()).isEqualTo(tenant);

            // Recall keeps answering, with v1, in every mode that embeds the query; the thief's tenant is untouched.
            for (String mode : List.of("dense", "hybrid")) {
                JsonNode answer = recall(node, tenant, HEALTHY_TASK, mode);
                assertThat(answer.get("adapterVersion").asText()).as(mode).isEqualTo(name + "/v1");
                assertThat(answer.has("fallbackFrom")).as(mode).isFalse();
            }
            assertThat(recallVersion(node, "tenant-trust-thief")).isEqualTo("base");

            // An operator's pin to a refused version does not make it serve; a pin to a good one does.
            assertThat(post(node, "/v1/adapters/" + name + "/pin", "{\"version\": 9}")
                            .statusCode())
                    .isEqualTo(202);
            await(() -> adapterView(node, name).path("pinned").asLong() == 9, "the pin read back");
            assertThat(recallVersion(node, tenant)).isEqualTo(name + "/v1");

            // The next good candidate serves (the pin names a version that cannot), and the SDK follows;
            // none of the refused versions reached it before.
            publisher.publish(adapter(name, tenant, 10, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            await(() -> (name + "/v10").equals(recallVersion(node, tenant)), "v10 serves");
            AdapterPublished sdkNext = sdkServed.poll(30, TimeUnit.SECONDS);
            assertThat(sdkNext).isNotNull();
            assertThat(sdkNext.version()).as("the SDK's next delivery").isEqualTo(10);
            assertThat(sdkServed).isEmpty();
            System.out.printf("refused: unsigned 1, forged 1, untrusted key 1, self-promoted 1, tenant-changing 1, "
                    + "NaN 1, wrong shape 1, huge weights (3e38) 1; served: v1, then v10 (node and SDK)%n");
        }
    }

    @Test
    void anUnsignedRecordDoesNotClaimAnAdapterNameForItsTenant() throws Exception {
        try (EngramNode node = startNode("node-b")) {
            publisher.publish(TestAdapters.unsigned("trust-b", "tenant-squatter", 1, BETTER, files, encoder)
                    .withStatus(AdapterStatus.PROMOTED, "trust me"));
            await(() -> version(node, "trust-b", 1) != null, "v1 listed");
            assertThat(version(node, "trust-b", 1).get("reason").asText()).startsWith("unsigned");
            assertThat(recallVersion(node, "tenant-squatter")).isEqualTo("base");

            publisher.publish(adapter("trust-b", "tenant-trust-b", 2, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            await(() -> "trust-b/v2".equals(recallVersion(node, "tenant-trust-b")), "the first trusted version serves");
            assertThat(adapterView(node, "trust-b").get("tenant").asText()).isEqualTo("tenant-trust-b");
        }
    }

    @Test
    void aVersionThatBreaksAtRecallFallsBackToItsParentAnswers200AndStaysFailedAfterARestart() throws Exception {
        String name = "fall-c";
        String tenant = "tenant-fall-c";
        List<AdapterFile> breaking =
                RecallBreakingAdapter.breakingOn(encoder, files, List.of(HEALTHY_TASK), BREAKING_TASK);
        try (EngramNode node = startNode("node-c")) {
            publisher.publish(adapter(name, tenant, 1, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            await(() -> (name + "/v1").equals(recallVersion(node, tenant)), "v1 serves");
            publisher.publish(adapter(name, tenant, 2, AdapterStatus.CANDIDATE, BETTER, breaking, encoder));
            await(
                    () -> (name + "/v2").equals(recallVersion(node, tenant)),
                    "v2 passes the canary and the gate, and serves");
            assertThat(getJson(node, "/health").get("status").asText()).isEqualTo("UP");

            JsonNode answer = recall(node, tenant, BREAKING_TASK, "dense");
            assertThat(answer.get("fallbackFrom").asText()).isEqualTo(name + "/v2");
            assertThat(answer.get("adapterVersion").asText()).isEqualTo(name + "/v1");

            JsonNode v2 = version(node, name, 2);
            assertThat(v2.get("failed").asBoolean()).isTrue();
            assertThat(v2.get("serving").asBoolean()).isFalse();
            assertThat(v2.get("status").asText()).isEqualTo("REJECTED");
            assertThat(v2.get("reason").asText())
                    .startsWith("failed while serving")
                    .contains("not finite");
            assertThat(adapterView(node, name).get("serving").asLong()).isEqualTo(1);
            JsonNode health = getJson(node, "/health");
            assertThat(health.get("status").asText()).isEqualTo("DEGRADED");
            assertThat(health.get("failedAdapters").get(0).asText()).startsWith(name + "/v2: failed while serving");

            JsonNode again = recall(node, tenant, BREAKING_TASK, "hybrid");
            assertThat(again.get("adapterVersion").asText()).isEqualTo(name + "/v1");
            assertThat(again.has("fallbackFrom"))
                    .as("v1 serves it now: nothing to fall back from")
                    .isFalse();
        }
        try (EngramNode restarted = startNode("node-c")) {
            await(() -> restarted.adapters().caughtUp(), "the restarted node read the topic");
            await(() -> (name + "/v1").equals(recallVersion(restarted, tenant)), "v1 serves after the restart");
            assertThat(version(restarted, name, 2).get("reason").asText()).startsWith("failed while serving");
            assertThat(recall(restarted, tenant, BREAKING_TASK, "dense").has("fallbackFrom"))
                    .isFalse();
        }
    }

    private static JsonNode recall(EngramNode node, String tenant, String task, String mode) throws Exception {
        HttpResponse<String> r = post(
                node,
                "/v1/tenants/" + tenant + "/recall",
                "{\"task\": \"" + task + "\", \"k\": 3, \"mode\": \"" + mode + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ApiJson.mapper().readTree(r.body());
    }

    private static JsonNode getJson(EngramNode node, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(node.httpUrl() + path))
                                .header("Authorization", "Bearer " + NodeAdapterApi.key(node))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return ApiJson.mapper().readTree(r.body());
    }
}
