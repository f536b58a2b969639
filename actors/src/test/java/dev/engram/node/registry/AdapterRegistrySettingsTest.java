package dev.engram.node.registry;

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
import dev.engram.node.NodeConfigBuilder;
import dev.engram.node.http.ApiJson;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.ranking.RankerPolicy;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's node settings on a real broker with real MiniLM adapters: the gate's margins
 * ({@code NodeConfig.promotionGate}) and the bound on adapter files kept on disk
 * ({@code NodeConfig.adapterVersionsKept}).
 */
class AdapterRegistrySettingsTest {

    @TempDir
    static Path tmp;

    private static TextEncoder encoder;
    private static KafkaProducer<String, byte[]> producer;
    private static AdapterPublisher publisher;
    private static List<AdapterFile> files;

    @BeforeAll
    static void start() throws Exception {
        SharedKafka.bootstrapServers();
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

    private static NodeConfigBuilder node(String dir) {
        return NodeConfig.builder(tmp.resolve(dir))
                .bootstrapServers(SharedKafka.bootstrapServers())
                .httpPort(0)
                .groupId("registry-settings-" + dir)
                .embedder(encoder)
                .tuning(TuningSchedulerConfig.disabled())
                .trustedWorkers(TestAdapters.TRUSTED);
    }

    @Test
    void aNodeWithAStricterMarginRejectsACandidateTheDefaultPromotes() throws Exception {
        // BETTER: held-out nDCG@10 0.41 vs parent 0.40 (gain +0.01), retention unchanged.
        try (EngramNode lenient = EngramNode.start(node("default").build());
                EngramNode strict = EngramNode.start(node("strict")
                        .promotionGate(new PromotionGate(0.02, PromotionGate.DEFAULT_MAX_RETENTION_LOSS))
                        .build())) {
            assertThat(lenient.adapters().gate()).isEqualTo(PromotionGate.defaults());
            publisher.publish(
                    adapter("margin-a", "tenant-margin-a", 1, AdapterStatus.CANDIDATE, BETTER, files, encoder));

            await(() -> "margin-a/v1".equals(recallVersion(lenient, "tenant-margin-a")), "the default gate serves v1");
            await(() -> version(strict, "margin-a", 1) != null, "the strict node lists v1");
            JsonNode rejected = version(strict, "margin-a", 1);
            assertThat(rejected.get("status").asText()).isEqualTo("REJECTED");
            assertThat(rejected.get("verified").asBoolean()).isTrue();
            assertThat(rejected.get("reason").asText())
                    .startsWith("rejected by the gate")
                    .contains("gain +0.0100, needs >= 0.0200");
            assertThat(version(lenient, "margin-a", 1).get("status").asText()).isEqualTo("PROMOTED");
            assertThat(recallVersion(strict, "tenant-margin-a")).isEqualTo("base");
            JsonNode listed = ApiJson.mapper()
                    .readTree(HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create(strict.httpUrl() + "/v1/adapters"))
                                            .header("Authorization", "Bearer " + NodeAdapterApi.key(strict))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body());
            assertThat(listed.get("gate").get("minHeldOutGain").asDouble())
                    .as("the node lists its margins")
                    .isEqualTo(0.02);
        }
    }

    @Test
    void onlyTheNewestVersionsAndThePinnedOneKeepTheirFilesAndAPinnedOldOneIsReadBack() throws Exception {
        Path adapters = tmp.resolve("retention").resolve("adapters");
        Path stray = adapters.resolve("gone-retriever").resolve("v3");
        Files.createDirectories(stray);
        Files.writeString(stray.resolve("adapter_config.json"), "{}");
        try (EngramNode n =
                EngramNode.start(node("retention").adapterVersionsKept(2).build())) {
            await(() -> n.adapters().caughtUp(), "the registry read the topic");
            await(() -> !Files.exists(stray), "a directory no version on the topic names is removed");

            for (long v = 1; v <= 5; v++) {
                publisher.publish(
                        adapter("keep-b", "tenant-keep-b", v, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            }
            await(() -> "keep-b/v5".equals(recallVersion(n, "tenant-keep-b")), "v5 serves");
            assertThat(versionDirs(adapters.resolve("keep-b"))).containsExactlyInAnyOrder("v4", "v5");
            assertThat(version(n, "keep-b", 1).get("verified").asBoolean())
                    .as("still listed as verified")
                    .isTrue();

            assertThat(post(n, "/v1/adapters/keep-b/pin", "{\"version\": 1}").statusCode())
                    .isEqualTo(202);
            await(() -> "keep-b/v1".equals(recallVersion(n, "tenant-keep-b")), "pinned v1 read back and serves");
            assertThat(versionDirs(adapters.resolve("keep-b"))).containsExactlyInAnyOrder("v1", "v4", "v5");
            assertThat(Files.size(adapters.resolve("keep-b").resolve("v1").resolve(AdapterFile.PEFT_WEIGHTS)))
                    .isEqualTo(files.stream()
                            .filter(f -> f.name().equals(AdapterFile.PEFT_WEIGHTS))
                            .findFirst()
                            .orElseThrow()
                            .size());

            publisher.publish(adapter("keep-b", "tenant-keep-b", 6, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            await(() -> version(n, "keep-b", 6) != null, "v6 listed");
            assertThat(recallVersion(n, "tenant-keep-b")).isEqualTo("keep-b/v1");
            assertThat(versionDirs(adapters.resolve("keep-b"))).containsExactlyInAnyOrder("v1", "v5", "v6");
        }
    }

    @Test
    void aVersionsRankerPolicyServesIsRolledBackAndRefusedWithItsAdapter() throws Exception {
        RankerPolicy reuse = RankerPolicy.untuned().withReuse(1.0, 5, 0.75);
        List<AdapterFile> withPolicy = new java.util.ArrayList<>(files);
        withPolicy.add(new AdapterFile(AdapterFile.RANKER_POLICY, reuse.toJson().getBytes(StandardCharsets.UTF_8)));
        List<AdapterFile> badPolicy = new java.util.ArrayList<>(files);
        badPolicy.add(new AdapterFile(
                AdapterFile.RANKER_POLICY,
                reuse.toJson()
                        .replace("\"reuseBeta\":1.0", "\"reuseBeta\":-1.0")
                        .getBytes(StandardCharsets.UTF_8)));
        try (EngramNode n = EngramNode.start(node("policy").build())) {
            publisher.publish(
                    adapter("policy-c", "tenant-policy-c", 1, AdapterStatus.CANDIDATE, BETTER, withPolicy, encoder));
            await(() -> "policy-c/v1".equals(recallVersion(n, "tenant-policy-c")), "v1 serves");
            assertThat(serving(n, "tenant-policy-c")).isEqualTo("policy-c/v1 " + reuse.describe());
            assertThat(version(n, "policy-c", 1).get("policy").asText()).isEqualTo(reuse.describe());

            publisher.publish(
                    adapter("policy-c", "tenant-policy-c", 2, AdapterStatus.CANDIDATE, BETTER, files, encoder));
            await(() -> "policy-c/v2".equals(recallVersion(n, "tenant-policy-c")), "v2 serves");
            assertThat(serving(n, "tenant-policy-c"))
                    .as("a version without a policy ranks untuned")
                    .isEqualTo("policy-c/v2 " + RankerPolicy.untuned().describe());

            assertThat(post(n, "/v1/adapters/policy-c/rollback", "{\"version\": 1, \"reason\": \"test\"}")
                            .statusCode())
                    .isEqualTo(202);
            await(() -> "policy-c/v1".equals(recallVersion(n, "tenant-policy-c")), "rolled back to v1");
            assertThat(serving(n, "tenant-policy-c"))
                    .as("the rollback brings v1's policy back with its adapter")
                    .isEqualTo("policy-c/v1 " + reuse.describe());

            publisher.publish(
                    adapter("policy-c", "tenant-policy-c", 3, AdapterStatus.CANDIDATE, BETTER, badPolicy, encoder));
            await(() -> version(n, "policy-c", 3) != null, "v3 listed");
            assertThat(version(n, "policy-c", 3).get("status").asText()).isEqualTo("REJECTED");
            assertThat(version(n, "policy-c", 3).get("reason").asText())
                    .startsWith(AdapterFile.RANKER_POLICY + ":")
                    .contains("reuseBeta");
            assertThat(serving(n, "tenant-policy-c")).startsWith("policy-c/v1 ");
        }
    }

    @Test
    void aPolicyOnlyVersionServesItsPolicyOverTheBaseEncoderAndIsRolledBackLikeAnyVersion() throws Exception {
        String tenant = "tenant-policy-only-e";
        RankerPolicy proposed = RankerPolicy.proposed();
        List<AdapterFile> trained = TestAdapters.withLoraB(files, 0.01f);
        // Tuning on (so recall ranks with each version's policy), a round never due: no job is sent.
        NodeConfigBuilder config = node("policy-only")
                .tuning(TuningSchedulerConfig.builder()
                        .minNewJudged(10_000)
                        .minNewForInterval(10_000)
                        .build());
        try (EngramNode n = EngramNode.start(config.build())) {
            producer.send(new ProducerRecord<>(
                            Topics.FEEDBACK,
                            tenant,
                            EventCodec.encode(FeedbackEvent.of(
                                    "policy-only-e1",
                                    tenant,
                                    "agent",
                                    Instant.parse("2026-01-01T00:00:00Z"),
                                    "flutter of a heated wing at supersonic speed",
                                    "",
                                    "",
                                    0.9,
                                    List.of()))))
                    .get();
            publisher.publish(TestAdapters.policyOnly("policy-only-e", tenant, 1, BETTER, proposed.toJson(), encoder));
            await(() -> "policy-only-e/v1".equals(recallVersion(n, tenant)), "policy-only v1 serves");
            JsonNode v1 = version(n, "policy-only-e", 1);
            assertThat(v1.get("status").asText()).isEqualTo("PROMOTED");
            assertThat(v1.get("method").asText()).isEqualTo("policy-only");
            assertThat(serving(n, tenant)).isEqualTo("policy-only-e/v1 " + proposed.describe());
            assertThat(servedCosineToBase(n, tenant))
                    .as("a policy-only version embeds with the base encoder")
                    .isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
            await(() -> !firstReason(n, tenant).isEmpty(), "the case is recalled");
            assertThat(firstReason(n, tenant))
                    .as("the recall's reason names the policy's stages")
                    .contains("rrf")
                    .contains("reuse");

            publisher.publish(adapter("policy-only-e", tenant, 2, AdapterStatus.CANDIDATE, BETTER, trained, encoder));
            await(() -> "policy-only-e/v2".equals(recallVersion(n, tenant)), "the adapter v2 serves");
            assertThat(version(n, "policy-only-e", 2).get("method").asText()).isEqualTo("lora-query-side");
            assertThat(servedCosineToBase(n, tenant)).isLessThan(0.9999);
            assertThat(firstReason(n, tenant))
                    .as("v2 has no policy: untuned fusion")
                    .doesNotContain("reuse");

            assertThat(post(n, "/v1/adapters/policy-only-e/rollback", "{\"version\": 1, \"reason\": \"test\"}")
                            .statusCode())
                    .isEqualTo(202);
            await(() -> "policy-only-e/v1".equals(recallVersion(n, tenant)), "rolled back to the policy-only v1");
            assertThat(serving(n, tenant)).isEqualTo("policy-only-e/v1 " + proposed.describe());
            assertThat(servedCosineToBase(n, tenant)).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
            assertThat(firstReason(n, tenant)).contains("reuse");
        }
    }

    @Test
    void aServedAdapterEmbedsQueriesThroughItsWeights() throws Exception {
        List<AdapterFile> trained = TestAdapters.withLoraB(files, 0.01f);
        try (EngramNode n = EngramNode.start(node("weights").build())) {
            publisher.publish(
                    adapter("weights-d", "tenant-weights-d", 1, AdapterStatus.CANDIDATE, BETTER, trained, encoder));
            await(() -> "weights-d/v1".equals(recallVersion(n, "tenant-weights-d")), "v1 serves");
            String task = "flutter of a heated wing at supersonic speed";
            float[] base = encoder.embedQuery(task);
            ServingAdapter s = n.adapters().acquire("tenant-weights-d");
            float[] served;
            try {
                served = s.queryEmbedder().embedQuery(task);
            } finally {
                s.release();
            }
            double cos = 0;
            for (int i = 0; i < base.length; i++) {
                cos += base[i] * served[i];
            }
            assertThat(cos)
                    .as("the served query tower is the adapter's, not the base encoder's")
                    .isLessThan(0.9999);
            assertThat(cos).as("and still a sensible embedding of the task").isGreaterThan(0.5);
        }
    }

    /** The tenant's serving version and its ranker policy, read as one object (as a recall reads them). */
    private static String serving(EngramNode n, String tenant) {
        ServingAdapter s = n.adapters().acquire(tenant);
        try {
            return s.label() + " " + s.policy().describe();
        } finally {
            s.release();
        }
    }

    /** The cosine between the tenant's served query vector of a task and the base encoder's. */
    private static double servedCosineToBase(EngramNode n, String tenant) {
        String task = "flutter of a heated wing at supersonic speed";
        float[] base = encoder.embedQuery(task);
        ServingAdapter s = n.adapters().acquire(tenant);
        float[] served;
        try {
            served = s.queryEmbedder().embedQuery(task);
        } finally {
            s.release();
        }
        double cos = 0;
        for (int i = 0; i < base.length; i++) {
            cos += base[i] * served[i];
        }
        return cos;
    }

    /** The reason of the first case a hybrid recall of the tenant ranks; {@code ""} when none. */
    private static String firstReason(EngramNode n, String tenant) {
        try {
            HttpResponse<String> r =
                    post(n, "/v1/tenants/" + tenant + "/recall", "{\"task\": \"flutter heated wing\", \"k\": 3}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode ranked = ApiJson.mapper().readTree(r.body()).get("ranked");
            return ranked == null || ranked.isEmpty()
                    ? ""
                    : ranked.get(0).get("reason").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> versionDirs(Path adapterDir) {
        try (Stream<Path> dirs = Files.list(adapterDir)) {
            return dirs.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
