package dev.engram.node.registry;

import static dev.engram.node.registry.NodeAdapterApi.adapterView;
import static dev.engram.node.registry.NodeAdapterApi.await;
import static dev.engram.node.registry.NodeAdapterApi.post;
import static dev.engram.node.registry.NodeAdapterApi.recallVersion;
import static dev.engram.node.registry.NodeAdapterApi.version;
import static dev.engram.node.registry.TestAdapters.BETTER;
import static dev.engram.node.registry.TestAdapters.WORSE;
import static dev.engram.node.registry.TestAdapters.adapter;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.http.ApiJson;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TrustedNodeKeys;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One real broker, one node with the real MiniLM, real PEFT adapter files published on Kafka. */
class AdapterHotSwapTest {

    @TempDir
    static Path tmp;

    private static String bootstrap;
    private static TextEncoder encoder;
    private static EngramNode node;
    private static KafkaProducer<String, byte[]> producer;
    private static AdapterPublisher publisher;
    private static List<AdapterFile> files;

    @BeforeAll
    static void start() throws Exception {
        bootstrap = SharedKafka.bootstrapServers();
        encoder = TextEncoder.load();
        node = startNode("node-a");
        producer = KafkaClientFactory.producer(bootstrap);
        publisher = AdapterPublisher.over(producer);
        files = TestAdapters.files(encoder, tmp.resolve("made"), 7);
    }

    private static EngramNode startNode(String dir) {
        return EngramNode.start(NodeConfig.builder(tmp.resolve(dir))
                .bootstrapServers(bootstrap)
                .httpPort(0)
                .groupId("hot-swap-" + dir)
                .embedder(encoder)
                .tuning(TuningSchedulerConfig.disabled())
                .trustedWorkers(TestAdapters.TRUSTED)
                // Later nodes apply the first node's pins: they trust its key.
                .trustedNodes(
                        node == null
                                ? TrustedNodeKeys.none()
                                : TrustedNodeKeys.of(node.nodeKey().publicKey()))
                .build());
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (encoder != null) {
            encoder.close();
        }
    }

    @Test
    void aGoodCandidateIsPromotedAndServedAndARegressingOneIsNot() throws Exception {
        publisher.publish(adapter("swap-a", "tenant-swap-a", 1, AdapterStatus.CANDIDATE, BETTER, files, encoder));
        await(() -> "swap-a/v1".equals(recallVersion(node, "tenant-swap-a")), "v1 serves");

        publisher.publish(adapter("swap-a", "tenant-swap-a", 2, AdapterStatus.CANDIDATE, WORSE, files, encoder));
        await(() -> version(node, "swap-a", 2) != null, "v2 listed");
        JsonNode v2 = version(node, "swap-a", 2);
        assertThat(v2.get("status").asText()).isEqualTo("REJECTED");
        assertThat(v2.get("reason").asText())
                .contains("rejected by the gate")
                .contains("0.3700")
                .contains("0.4000");
        assertThat(version(node, "swap-a", 1).get("status").asText()).isEqualTo("PROMOTED");
        assertThat(recallVersion(node, "tenant-swap-a")).isEqualTo("swap-a/v1");
        assertThat(recallVersion(node, "someone-else")).isEqualTo("base");
    }

    @Test
    void corruptedAdaptersAreRejectedAndThePreviousKeepsServing() throws Exception {
        publisher.publish(adapter("corrupt-b", "tenant-corrupt-b", 1, AdapterStatus.CANDIDATE, BETTER, files, encoder));
        await(() -> "corrupt-b/v1".equals(recallVersion(node, "tenant-corrupt-b")), "v1 serves");
        publisher.publish(adapter(
                "corrupt-b",
                "tenant-corrupt-b",
                2,
                AdapterStatus.CANDIDATE,
                BETTER,
                TestAdapters.withNaN(files),
                encoder));
        publisher.publish(adapter(
                "corrupt-b",
                "tenant-corrupt-b",
                3,
                AdapterStatus.CANDIDATE,
                BETTER,
                TestAdapters.withWrongShape(files),
                encoder));
        await(() -> version(node, "corrupt-b", 3) != null, "v3 listed");
        for (long v : new long[] {2, 3}) {
            JsonNode view = version(node, "corrupt-b", v);
            assertThat(view.get("status").asText()).as("v%d", v).isEqualTo("REJECTED");
            assertThat(view.get("verified").asBoolean()).isFalse();
            assertThat(view.get("reason").asText()).as("v%d", v).startsWith("invalid adapter files");
        }
        assertThat(version(node, "corrupt-b", 2).get("reason").asText()).containsIgnoringCase("nan");
        assertThat(recallVersion(node, "tenant-corrupt-b")).isEqualTo("corrupt-b/v1");

        // The same version again with broken files: the verified copy on disk and in service stays.
        long before = node.adapters().deliveries();
        publisher.publish(adapter(
                "corrupt-b",
                "tenant-corrupt-b",
                1,
                AdapterStatus.CANDIDATE,
                BETTER,
                TestAdapters.withNaN(files),
                encoder));
        await(() -> node.adapters().deliveries() > before, "the broken v1 read");
        Path v1 = tmp.resolve("node-a").resolve("adapters").resolve("corrupt-b").resolve("v1");
        for (AdapterFile f : files) {
            assertThat(Files.readAllBytes(v1.resolve(f.name()))).as(f.name()).isEqualTo(f.bytes());
        }
        assertThat(v1.resolveSibling("v1.incoming")).doesNotExist();
        assertThat(version(node, "corrupt-b", 1).get("verified").asBoolean()).isTrue();
        assertThat(recallVersion(node, "tenant-corrupt-b")).isEqualTo("corrupt-b/v1");
    }

    @Test
    void aPinSurvivesANodeRestartAndRollbackAndUnpinWork() throws Exception {
        publisher.publish(adapter("pin-c", "tenant-pin-c", 1, AdapterStatus.CANDIDATE, BETTER, files, encoder));
        publisher.publish(adapter("pin-c", "tenant-pin-c", 2, AdapterStatus.CANDIDATE, BETTER, files, encoder));
        await(() -> "pin-c/v2".equals(recallVersion(node, "tenant-pin-c")), "v2 serves");

        assertThat(post(node, "/v1/adapters/pin-c/pin", "{\"version\": 1, \"reason\": \"v2 hurts\"}")
                        .statusCode())
                .isEqualTo(202);
        await(() -> "pin-c/v1".equals(recallVersion(node, "tenant-pin-c")), "pinned v1 serves");
        publisher.publish(adapter("pin-c", "tenant-pin-c", 3, AdapterStatus.CANDIDATE, BETTER, files, encoder));
        await(() -> version(node, "pin-c", 3) != null, "v3 listed");
        assertThat(recallVersion(node, "tenant-pin-c")).isEqualTo("pin-c/v1");

        try (EngramNode restarted = startNode("node-b")) {
            await(() -> restarted.adapters().caughtUp(), "the new node read the topic");
            assertThat(recallVersion(restarted, "tenant-pin-c")).isEqualTo("pin-c/v1");
            JsonNode listed = adapterView(restarted, "pin-c");
            assertThat(listed.get("pinned").asLong()).isEqualTo(1);
            assertThat(listed.get("control").get("action").asText()).isEqualTo("PIN");
            assertThat(listed.get("control").get("reason").asText()).isEqualTo("v2 hurts");
            assertThat(version(restarted, "pin-c", 1).get("serving").asBoolean())
                    .isTrue();
            assertThat(version(restarted, "pin-c", 3).get("serving").asBoolean())
                    .isFalse();

            assertThat(post(restarted, "/v1/adapters/pin-c/rollback", "{\"version\": 2}")
                            .statusCode())
                    .isEqualTo(202);
            await(() -> "pin-c/v2".equals(recallVersion(restarted, "tenant-pin-c")), "rolled back to v2");
            assertThat(post(restarted, "/v1/adapters/pin-c/unpin", "").statusCode())
                    .isEqualTo(202);
            await(() -> "pin-c/v3".equals(recallVersion(restarted, "tenant-pin-c")), "unpinned: newest promoted");
            assertThat(post(restarted, "/v1/adapters/pin-c/pin", "{}").statusCode())
                    .isEqualTo(400);
        }
    }

    @Test
    void aNewNodeChecksOnlyWhatCanServeAndServesWhatANodeThatCheckedEverythingServes() throws Exception {
        String name = "hist-e";
        String tenant = "tenant-hist-e";
        publisher.publish(adapter(name, tenant, 1, AdapterStatus.CANDIDATE, BETTER, files, encoder));
        publisher.publish(adapter(name, tenant, 2, AdapterStatus.CANDIDATE, BETTER, files, encoder));
        publisher.publish(adapter(name, tenant, 3, AdapterStatus.CANDIDATE, WORSE, files, encoder));
        publisher.publish(adapter(name, tenant, 4, AdapterStatus.CANDIDATE, WORSE, files, encoder));
        await(() -> version(node, name, 4) != null, "v4 listed by the node that read each version live");
        assertThat(recallVersion(node, tenant)).isEqualTo(name + "/v2");

        try (EngramNode fresh = startNode("node-e")) {
            await(() -> fresh.adapters().caughtUp(), "the new node read the topic");
            // v4 (the newest) and v3 (its parent) are checked and rejected by the gate; so v2 could serve,
            // is checked and serves; v1 is below what serves and stays unchecked.
            assertThat(recallVersion(fresh, tenant)).isEqualTo(name + "/v2");
            assertThat(version(fresh, name, 4).get("status").asText()).isEqualTo("REJECTED");
            assertThat(version(fresh, name, 3).get("status").asText()).isEqualTo("REJECTED");
            assertThat(version(fresh, name, 2).get("verified").asBoolean()).isTrue();
            JsonNode v1 = version(fresh, name, 1);
            assertThat(v1.get("status").asText()).isEqualTo("CANDIDATE");
            assertThat(v1.get("verified").asBoolean()).isFalse();
            assertThat(v1.get("reason").asText()).startsWith("not checked");
            assertThat(Files.exists(tmp.resolve("node-e/adapters/" + name + "/v1")))
                    .as("an unchecked version's files are not written")
                    .isFalse();

            assertThat(post(fresh, "/v1/adapters/" + name + "/pin", "{\"version\": 1}")
                            .statusCode())
                    .isEqualTo(202);
            await(() -> (name + "/v1").equals(recallVersion(fresh, tenant)), "pinned v1 is checked and serves");
            assertThat(version(fresh, name, 1).get("verified").asBoolean()).isTrue();
        }
    }

    @Test
    void recallsFromTwoThreadsDuringSeveralSwapsNeverFail() throws Exception {
        publisher.publish(adapter("loop-d", "tenant-loop-d", 1, AdapterStatus.CANDIDATE, BETTER, files, encoder));
        await(() -> "loop-d/v1".equals(recallVersion(node, "tenant-loop-d")), "v1 serves");
        AtomicBoolean go = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Thread> threads = List.of(1, 2).stream()
                .map(i -> new Thread(() -> {
                    while (go.get()) {
                        try {
                            HttpResponse<String> r = post(
                                    node,
                                    "/v1/tenants/tenant-loop-d/recall",
                                    "{\"task\": \"flutter of a heated wing\", \"k\": 5}");
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                                seen.add(ApiJson.mapper()
                                        .readTree(r.body())
                                        .get("adapterVersion")
                                        .asText());
                            } else {
                                failed.incrementAndGet();
                            }
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                    }
                }))
                .toList();
        threads.forEach(Thread::start);
        try {
            for (long v = 2; v <= 5; v++) {
                long version = v;
                publisher.publish(adapter(
                        "loop-d",
                        "tenant-loop-d",
                        v,
                        AdapterStatus.CANDIDATE,
                        BETTER,
                        TestAdapters.files(encoder, tmp.resolve("loop-" + v), v),
                        encoder));
                await(() -> seen.contains("loop-d/v" + version), "recalls served by v" + version);
            }
        } finally {
            go.set(false);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
        assertThat(failed.get()).isZero();
        assertThat(ok.get()).isGreaterThan(8);
        assertThat(seen).contains("loop-d/v2", "loop-d/v3", "loop-d/v4", "loop-d/v5");
    }
}
