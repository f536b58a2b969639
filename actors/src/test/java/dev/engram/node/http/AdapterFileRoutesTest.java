package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.EngramNode;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import dev.engram.node.testing.TestWorker;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.PlanLossMetrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An adapter version's files from a running node ({@code GET /v1/adapters/{name}/versions/{v}/files}),
 * published through the real broker: the zip holds the files byte for byte as the worker published
 * them; only an operator of the adapter's tenant gets them; a version signed by a key the node does
 * not trust is never given out.
 */
class AdapterFileRoutesTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final String T = tenant("files");
    private static final String OTHER = tenant("files-other");
    private static final String NAME = T + "-retriever";
    private static EngramNode node;
    private static HttpCalls.Client admin;
    private static AdapterPublished v2;

    @BeforeAll
    static void threeVersionsOfOneAdapterArePublished() throws Exception {
        node = SharedNode.get();
        admin = HttpCalls.as(SharedNode.adminKey());
        var stranger = KeyPairGenerator.getInstance(AdapterSignature.ALGORITHM).generateKeyPair();
        v2 = TestWorker.sign(adapter(2));
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers());
                AdapterPublisher publisher = AdapterPublisher.over(producer)) {
            publisher.publish(TestWorker.sign(adapter(1)));
            publisher.publish(v2);
            publisher.publish(AdapterSignature.sign(adapter(3), stranger));
        }
        Await.until(
                "three versions of " + NAME + " to be listed",
                BOUND,
                () -> admin.get(url(NAME)).status() == 200
                        && admin.get(url(NAME)).json().path("versions").size() == 3);
    }

    @Test
    void anOperatorDownloadsAVersionsFilesByteForByteAsPublished() throws IOException {
        HttpResponse<byte[]> zip = download(SharedNode.adminKey(), NAME, "2");

        assertThat(zip.statusCode())
                .as(new String(zip.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
        assertThat(zip.headers().firstValue("Content-Type")).hasValue("application/zip");
        assertThat(zip.headers().firstValue("Content-Disposition").orElseThrow())
                .contains("attachment")
                .contains(NAME + "-v2.zip");
        assertThat(zip.headers().firstValue(AdapterFileRoutes.PAYLOAD_SHA256_HEADER))
                .hasValue(v2.payloadSha256());
        Map<String, byte[]> entries = unzip(zip.body());
        assertThat(entries.keySet())
                .containsExactlyElementsOf(
                        v2.files().stream().map(AdapterFile::name).toList());
        for (AdapterFile f : v2.files()) {
            assertThat(entries.get(f.name())).as(f.name()).isEqualTo(f.bytes());
        }
        assertThat(unzip(download(SharedNode.adminKey(), NAME, "v1").body()).get(AdapterFile.PEFT_WEIGHTS))
                .as("another version, other weights")
                .isNotEqualTo(entries.get(AdapterFile.PEFT_WEIGHTS));
    }

    @Test
    void anAgentModelAdaptersPeftFilesComeAsPublishedThoughTheNodeNeverLoadsThem() throws Exception {
        String agent = T + "-agent";
        byte[] weights = new byte[2048];
        new Random(7).nextBytes(weights);
        AdapterPublished published = TestWorker.sign(AdapterPublished.agentModelCandidate(
                agent,
                T,
                1,
                null,
                "smollm2-135m",
                LoraTrainingConfig.defaults(),
                new PlanLossMetrics(1.4, 2.1, 12, 0.7, 0.5, 0.9, true, "promote: lower plan loss"),
                "job-" + agent + "-1",
                List.of(
                        new AdapterFile(
                                AdapterFile.PEFT_CONFIG, "{\"peft_type\": \"LORA\"}".getBytes(StandardCharsets.UTF_8)),
                        new AdapterFile(AdapterFile.PEFT_WEIGHTS, weights)),
                Instant.parse("2026-01-02T00:00:00Z")));
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers());
                AdapterPublisher publisher = AdapterPublisher.over(producer)) {
            publisher.publish(published);
        }
        Await.until(agent + " to be listed", BOUND, () -> admin.get(url(agent)).status() == 200);

        HttpResponse<byte[]> zip = download(SharedNode.adminKey(), agent, "1");
        assertThat(zip.statusCode())
                .as(new String(zip.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
        Map<String, byte[]> entries = unzip(zip.body());
        assertThat(entries).containsOnlyKeys(AdapterFile.PEFT_CONFIG, AdapterFile.PEFT_WEIGHTS);
        assertThat(entries.get(AdapterFile.PEFT_WEIGHTS)).isEqualTo(weights);
        assertThat(zip.headers().firstValue(AdapterFileRoutes.PAYLOAD_SHA256_HEADER))
                .hasValue(published.payloadSha256());
    }

    @Test
    void onlyAnOperatorOfTheAdaptersTenantGetsItsFiles() {
        String otherOperator = key("files-other-operator", "operator", OTHER);
        String reader = key("files-reader", "reader", T);
        String operator = key("files-operator", "operator", T);

        assertThat(download(otherOperator, NAME, "2").statusCode())
                .as("an operator of another tenant")
                .isEqualTo(403);
        assertThat(download(reader, NAME, "2").statusCode())
                .as("a reader of the tenant")
                .isEqualTo(403);
        assertThat(download(operator, NAME, "2").statusCode())
                .as("an operator of the tenant")
                .isEqualTo(200);
    }

    @Test
    void unknownUntrustedAndMalformedVersionsAreRefusedWithWhy() {
        String key = SharedNode.adminKey();
        HttpResponse<byte[]> untrusted = download(key, NAME, "3");
        assertThat(untrusted.statusCode()).isEqualTo(409);
        assertThat(new String(untrusted.body(), StandardCharsets.UTF_8)).contains("trusted worker key");
        assertThat(download(key, NAME, "9").statusCode()).isEqualTo(404);
        assertThat(download(key, T + "-never-published", "1").statusCode()).isEqualTo(404);
        HttpResponse<byte[]> malformed = download(key, NAME, "latest");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(new String(malformed.body(), StandardCharsets.UTF_8)).contains("\"field\":\"version\"");
    }

    private static HttpResponse<byte[]> download(String key, String name, String version) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url(name) + "/versions/" + version + "/files"))
                .header("Authorization", "Bearer " + key)
                .timeout(BOUND)
                .GET()
                .build();
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    private static String key(String principal, String role, String tenant) {
        HttpCalls.Answer created = admin.post(
                node.httpUrl() + "/v1/keys",
                "{\"principal\": \"" + principal + "\", \"role\": \"" + role + "\", \"tenants\": [\"" + tenant
                        + "\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("key").asText();
    }

    private static String url(String name) {
        return node.httpUrl() + "/v1/adapters/" + name;
    }

    private static AdapterPublished adapter(long version) {
        // A BM25-only node does not load the files: it lists the signed candidate with its checksum.
        byte[] weights = new byte[4096];
        new Random(version).nextBytes(weights);
        List<AdapterFile> files = new ArrayList<>(List.of(
                new AdapterFile(AdapterFile.PEFT_CONFIG, "{\"r\": 8}".getBytes(StandardCharsets.UTF_8)),
                new AdapterFile(AdapterFile.PEFT_WEIGHTS, weights)));
        return AdapterPublished.of(
                NAME,
                T,
                version,
                version > 1 ? version - 1 : null,
                "test-encoder",
                AdapterMethod.LORA_QUERY_SIDE,
                LoraTrainingConfig.defaults(),
                new AdapterMetrics(0.41, 0.40, 40, 0.39, 0.39, 20, Map.of()),
                AdapterStatus.CANDIDATE,
                "",
                "job-" + NAME + "-" + version,
                files,
                Instant.parse("2026-01-01T00:00:00Z"));
    }

    private static String tenant(String prefix) {
        return TestIds.unique(prefix).toLowerCase().replaceAll("[^a-z0-9_-]", "-");
    }
}
