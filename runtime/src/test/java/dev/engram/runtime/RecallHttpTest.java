package dev.engram.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.InvalidEventException;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import dev.engram.streams.RetrievedCase;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Recall over HTTP against a stand-in for the node that answers exactly as the node's HTTP API
 * does (the runtime must not depend on the node; the end-to-end test against a real node lives in
 * the actors module), and the feedback built from a recall.
 */
class RecallHttpTest {

    static final String NODE_ANSWER = """
      {"tenant": "acme", "task": "parcel arrived damaged", "k": 3, "mode": "hybrid", "adapterVersion": "7",
       "tookMs": 2.4, "somethingNew": {"nested": true},
       "positives": [%1$s],
       "negatives": [%2$s],
       "ranked": [%1$s, %2$s, %3$s]}
      """.formatted(
                    recalled(1, "case-42", "positive", 0.031),
                    recalled(2, "case-7", "negative", 0.029),
                    recalled(3, "case-9", "positive", 0.015));

    private final ObjectMapper json = new ObjectMapper();
    private final AtomicReference<String> requestBody = new AtomicReference<>();
    private final AtomicReference<String> requestLine = new AtomicReference<>();
    private final AtomicReference<String> authorization = new AtomicReference<>();
    private HttpServer node;
    private volatile int status = 200;
    private volatile String answer = NODE_ANSWER;

    @BeforeEach
    void startNode() throws IOException {
        node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        node.createContext("/", this::handle);
        node.start();
    }

    @AfterEach
    void stopNode() {
        node.stop(0);
    }

    @Test
    void recallPostsTheTaskAndMapsTheNodesAnswer() throws Exception {
        try (EngramClient client = client()) {
            RecallResponse recall = client.recall("acme", "parcel arrived damaged", 3);

            assertThat(requestLine.get()).isEqualTo("POST /v1/tenants/acme/recall application/json");
            JsonNode sent = json.readTree(requestBody.get());
            assertThat(sent.get("task").textValue()).isEqualTo("parcel arrived damaged");
            assertThat(sent.get("k").intValue()).isEqualTo(3);

            assertThat(recall.adapterVersion()).isEqualTo("7");
            assertThat(recall.mode()).isEqualTo("hybrid");
            assertThat(recall.positives()).extracting(RecalledCase::caseId).containsExactly("case-42");
            assertThat(recall.negatives()).extracting(RecalledCase::caseId).containsExactly("case-7");
            assertThat(recall.ranked()).extracting(RecalledCase::rank).containsExactly(1, 2, 3);
            RecalledCase best = recall.ranked().get(0);
            assertThat(best.positive()).isTrue();
            assertThat(best.plan()).isEqualTo("plan of case-42");
            assertThat(best.createdAt()).isEqualTo(Instant.parse("2025-01-30T09:00:00Z"));
            assertThat(best.timesUseful()).isEqualTo(2);
            assertThat(best.score()).isEqualTo(0.031);
        }
    }

    @Test
    void theModeGoesInTheBodyOnlyWhenAskedFor() throws Exception {
        try (EngramClient client = client()) {
            client.recall("acme", "parcel arrived damaged", 3);
            assertThat(json.readTree(requestBody.get()).has("mode"))
                    .as("the node's default")
                    .isFalse();
            client.recall("acme", "parcel arrived damaged", 3, RecallMode.DENSE);
            assertThat(json.readTree(requestBody.get()).get("mode").textValue()).isEqualTo("dense");
            client.recall("acme", "parcel arrived damaged", 3, "Bm25");
            assertThat(json.readTree(requestBody.get()).get("mode").textValue()).isEqualTo("bm25");
            client.recall("acme", "parcel arrived damaged", 3, (String) null);
            assertThat(json.readTree(requestBody.get()).has("mode")).isFalse();

            requestBody.set(null);
            assertThatThrownBy(() -> client.recall("acme", "x", 3, "sparse"))
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.field()).isEqualTo("mode");
                        assertThat(e).hasMessage("mode: must be one of hybrid, bm25, dense, was 'sparse'");
                    });
            assertThat(requestBody.get()).as("nothing sent").isNull();
        }
    }

    @Test
    void aDownNodesHealthIsReturnedWithItsStalledPartitions() {
        status = 503;
        answer = """
        {"status": "DOWN", "consumer": "RESTARTING", "assignedPartitions": ["engram.feedback-2"],
         "stalledPartitions": [{"partition": "engram.feedback-2", "since": "2025-01-31T12:00:00Z",
           "failedDeliveries": 3, "isolating": true, "lastError": "store: java.io.IOException: disk full"}],
         "recallMode": "hybrid", "servingVersions": {"acme": "acme-retriever/v3"},
         "bootstrapServers": "localhost:9092", "consumerError": "java.io.IOException: disk full"}""";
        try (EngramClient client = client()) {
            NodeHealth health = client.health();
            assertThat(requestLine.get()).isEqualTo("GET /health null");
            assertThat(health.status()).isEqualTo(NodeHealth.DOWN);
            assertThat(health.serving()).isFalse();
            assertThat(health.servingVersions()).containsExactly(java.util.Map.entry("acme", "acme-retriever/v3"));
            assertThat(health.stalledPartitions())
                    .containsExactly(new NodeHealth.StalledPartition(
                            "engram.feedback-2",
                            Instant.parse("2025-01-31T12:00:00Z"),
                            3,
                            true,
                            "store: java.io.IOException: disk full"));
            assertThat(health.consumerError()).isEqualTo("java.io.IOException: disk full");
        }
        answer = "<html>bad gateway</html>";
        try (EngramClient client = client()) {
            assertThatThrownBy(client::health).isInstanceOfSatisfying(EngramApiException.class, e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.getMessage())
                        .contains(
                                "GET http://127.0.0.1:",
                                "/health answered 503: the node's answer is not a " + "NodeHealth");
            });
        }
    }

    @Test
    void theApiKeyGoesAsABearerHeaderAndNeverIntoToString() {
        String key = "egk_0123456789ab_" + "k".repeat(43);
        try (EngramClient withKey = EngramClient.builder()
                .nodeUrl(URI.create("http://127.0.0.1:" + node.getAddress().getPort()))
                .agentId("agent-1")
                .apiKey(key)
                .build()) {
            withKey.recall("acme", "parcel arrived damaged", 3);
            assertThat(authorization.get()).isEqualTo("Bearer " + key);
            assertThat(withKey.toString()).contains("with an API key").doesNotContain(key);
        }
        try (EngramClient without = client()) {
            without.recall("acme", "parcel arrived damaged", 3);
            assertThat(authorization.get()).isNull();
        }
        assertThatThrownBy(() -> EngramClient.builder()
                        .nodeUrl(URI.create("http://localhost:8080"))
                        .agentId("a")
                        .apiKey("two words")
                        .build())
                .hasMessageStartingWith("apiKey: must be the key as the node issued it");
    }

    @Test
    void aRefusedKeySurfacesAs401WithTheNodesMessage() {
        status = 401;
        answer = "{\"error\": \"the API key is not valid on this node\", \"field\": \"Authorization\"}";
        try (EngramClient client = client()) {
            assertThatThrownBy(() -> client.admin().keys()).isInstanceOfSatisfying(EngramApiException.class, e -> {
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.field()).isEqualTo("Authorization");
                assertThat(e.getMessage())
                        .startsWith("GET http://127.0.0.1:" + node.getAddress().getPort() + "/v1/keys "
                                + "answered 401: the API key is not valid");
            });
        }
    }

    @Test
    void theNodesErrorsSurfaceWithStatusMessageAndField() {
        status = 400;
        answer =
                "{\"error\": \"task is required and must not be blank, e.g. {\\\"task\\\": \\\"how do I ...\\\"}\", \"field\": \"task\"}";
        try (EngramClient client = client()) {
            assertThatThrownBy(() -> client.recall("acme", "x", 3))
                    .isInstanceOfSatisfying(EngramApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.field()).isEqualTo("task");
                        assertThat(e.nodeMessage()).startsWith("task is required");
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.getMessage())
                                .startsWith("POST http://127.0.0.1:"
                                        + node.getAddress().getPort()
                                        + "/v1/tenants/acme/recall answered 400: task is required")
                                .endsWith("(field task)");
                    });
        }
        status = 503;
        answer = "<html>upstream unavailable</html>";
        try (EngramClient client = client()) {
            assertThatThrownBy(() -> client.recall("acme", "x", 3))
                    .isInstanceOfSatisfying(EngramApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.getMessage()).contains("answered 503: <html>upstream unavailable</html>");
                    });
        }
    }

    @Test
    void anUnreachableNodeIsReportedAsSuch() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (EngramClient client = EngramClient.builder()
                .nodeUrl(URI.create("http://127.0.0.1:" + closedPort))
                .agentId("agent-1")
                .requestTimeout(Duration.ofSeconds(2))
                .build()) {
            assertThatThrownBy(() -> client.recall("acme", "x", 3))
                    .isInstanceOfSatisfying(EngramApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(-1);
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.getMessage()).contains("got no answer", "is the node running there?");
                    });
            assertThatThrownBy(() -> client.recall("ACME", "x", 3))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("tenant: must match");
            assertThatThrownBy(() -> client.feedback(
                            Feedback.forTask("acme", "x").reward(1).build()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("bootstrapServers");
        }
    }

    @Test
    void feedbackFromARecallCarriesTheRecalledCasesAndJudgements() {
        try (EngramClient client = client()) {
            RecallResponse recall = client.recall("acme", "parcel arrived damaged", 3);
            Feedback feedback = Feedback.forRecall(recall)
                    .plan("refunded")
                    .outcome("happy")
                    .reward(0.9)
                    .useful("case-42", true)
                    .useful("case-7", false)
                    .build();

            FeedbackEvent event = feedback.toEvent("agent-1");
            assertThat(event.tenant()).isEqualTo("acme");
            assertThat(event.task()).isEqualTo("parcel arrived damaged");
            assertThat(event.retrieved())
                    .containsExactly(
                            new RetrievedCase("case-42", 1, true),
                            new RetrievedCase("case-7", 2, false),
                            new RetrievedCase("case-9", 3, null));
            assertThat(feedback.toEvent("agent-1"))
                    .as("the same event every time")
                    .isEqualTo(event);

            assertThatThrownBy(() -> Feedback.forRecall(recall).useful("case-1", true))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("case 'case-1' was not in the recall", "[case-42, case-7, case-9]");
            assertThatThrownBy(() -> Feedback.forRecall(recall).build()).hasMessageStartingWith("reward: required");
            assertThatThrownBy(() -> Feedback.forRecall(recall).reward(1.5).build())
                    .isInstanceOf(InvalidEventException.class)
                    .hasMessage("reward: must be in [0, 1], was 1.5");
        }
    }

    @Test
    void theBuilderSaysWhatIsMissing() {
        assertThatThrownBy(() -> EngramClient.builder()
                        .nodeUrl(URI.create("http://localhost:8080"))
                        .build())
                .hasMessageStartingWith("agentId: required");
        assertThatThrownBy(() -> EngramClient.builder().agentId("a").build())
                .hasMessageStartingWith("nodeUrl or bootstrapServers: at least one is required");
        assertThatThrownBy(() -> EngramClient.builder()
                        .agentId("a")
                        .nodeUrl(URI.create("localhost:8080"))
                        .build())
                .hasMessageStartingWith("nodeUrl: must be an http(s) URL");
    }

    private EngramClient client() {
        return EngramClient.builder()
                .nodeUrl(URI.create("http://127.0.0.1:" + node.getAddress().getPort()))
                .agentId("agent-1")
                .build();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requestLine.set(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                + exchange.getRequestHeaders().getFirst("Content-Type"));
        requestBody.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private static String recalled(int rank, String caseId, String polarity, double score) {
        return """
        {"rank": %d, "caseId": "%s", "agentId": "agent-3", "task": "task of %2$s", "plan": "plan of %2$s",
         "outcome": "outcome of %2$s", "reward": 0.8, "createdAt": "2025-01-30T09:00:00Z",
         "updatedAt": "2025-01-31T09:00:00Z", "timesRecalled": 5, "timesUseful": 2, "score": %s,
         "polarity": "%s", "reason": "bm25 rank 1, vector rank 2"}""".formatted(rank, caseId, score, polarity);
    }
}
