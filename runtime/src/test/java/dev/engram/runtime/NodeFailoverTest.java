package dev.engram.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client given several nodes of a cluster: a recall that gets no answer or a 503 from one node is
 * made on the next; the node that answered is asked first afterwards; other errors are not retried;
 * with {@code failoverFor} passes go on until a node answers.
 */
class NodeFailoverTest {

    private final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    @Test
    void aRecallGoesOnToTheNextNodeOnNoAnswerOrA503AndStaysWithTheOneThatAnswered() throws Exception {
        URI dead = deadNode();
        Stub moving = stub(503, "{\"error\": \"partition 2 is moving; retry\"}");
        Stub serving = stub(200, RecallHttpTest.NODE_ANSWER);
        try (EngramClient client = EngramClient.builder()
                .nodeUrls(List.of(dead, moving.url, serving.url))
                .agentId("agent-1")
                .requestTimeout(Duration.ofSeconds(2))
                .build()) {
            RecallResponse recall = client.recall("acme", "parcel arrived damaged", 3);
            assertThat(recall.ranked()).extracting(RecalledCase::caseId).containsExactly("case-42", "case-7", "case-9");
            assertThat(moving.calls.get()).isEqualTo(1);
            assertThat(serving.calls.get()).isEqualTo(1);

            client.recall("acme", "parcel arrived damaged", 3);
            assertThat(moving.calls.get())
                    .as("the node that answered is asked first from then on")
                    .isEqualTo(1);
            assertThat(serving.calls.get()).isEqualTo(2);
            assertThat(client.toString()).contains(dead.toString(), serving.url.toString());
        }
    }

    @Test
    void anErrorAnotherNodeWouldRepeatIsNotRetriedAndOnePassIsTheDefault() throws Exception {
        Stub refusing = stub(400, "{\"error\": \"k must be in [1, 1000]\", \"field\": \"k\"}");
        Stub serving = stub(200, RecallHttpTest.NODE_ANSWER);
        try (EngramClient client = EngramClient.builder()
                .nodeUrls(List.of(refusing.url, serving.url))
                .agentId("agent-1")
                .build()) {
            assertThatThrownBy(() -> client.recall("acme", "x", 0))
                    .isInstanceOfSatisfying(
                            EngramApiException.class,
                            e -> assertThat(e.status()).isEqualTo(400));
            assertThat(serving.calls.get()).isZero();
        }
        Stub moving = stub(503, "{\"error\": \"moving\"}");
        try (EngramClient client = EngramClient.builder()
                .nodeUrls(List.of(moving.url, deadNode()))
                .agentId("agent-1")
                .requestTimeout(Duration.ofSeconds(2))
                .build()) {
            assertThatThrownBy(() -> client.recall("acme", "x", 3))
                    .as("one pass over both nodes, then the last one's error")
                    .isInstanceOfSatisfying(
                            EngramApiException.class,
                            e -> assertThat(e.status()).isEqualTo(-1));
            assertThat(moving.calls.get()).isEqualTo(1);
        }
    }

    @Test
    void failoverForGoesOnPassingOverTheNodesUntilOneAnswers() throws Exception {
        Stub recovering = stub(503, "{\"error\": \"the owner of partition 1 is unreachable; retry\"}");
        recovering.answerAfter(3, 200, RecallHttpTest.NODE_ANSWER);
        try (EngramClient client = EngramClient.builder()
                .nodeUrls(List.of(deadNode(), recovering.url))
                .failoverFor(Duration.ofSeconds(30))
                .agentId("agent-1")
                .requestTimeout(Duration.ofSeconds(2))
                .build()) {
            assertThat(client.recall("acme", "x", 3).ranked()).hasSize(3);
            assertThat(recovering.calls.get()).isEqualTo(4);
        }
        assertThatThrownBy(() -> EngramClient.builder()
                        .nodeUrls(List.of(URI.create("http://a:1"), URI.create("b:2")))
                        .agentId("a")
                        .build())
                .hasMessageStartingWith("nodeUrl: must be an http(s) URL");
        assertThatThrownBy(() -> EngramClient.builder()
                        .nodeUrl(URI.create("http://a:1"))
                        .failoverFor(Duration.ofSeconds(-1))
                        .agentId("a")
                        .build())
                .hasMessageStartingWith("failoverFor: must be zero or positive");
    }

    /** A stand-in node answering {@code status} with {@code body}, counting the calls. */
    private static final class Stub {
        final URI url;
        final AtomicInteger calls = new AtomicInteger();
        volatile int status;
        volatile String body;
        volatile int switchAfter = Integer.MAX_VALUE;
        volatile int laterStatus;
        volatile String laterBody;

        Stub(URI url, int status, String body) {
            this.url = url;
            this.status = status;
            this.body = body;
        }

        /** From the {@code calls + 1}-th call on, answer {@code status} with {@code body}. */
        void answerAfter(int calls, int status, String body) {
            this.laterStatus = status;
            this.laterBody = body;
            this.switchAfter = calls;
        }
    }

    private Stub stub(int status, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        Stub stub =
                new Stub(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), status, body);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            int call = stub.calls.incrementAndGet();
            boolean later = call > stub.switchAfter;
            byte[] bytes = (later ? stub.laterBody : stub.body).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(later ? stub.laterStatus : stub.status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        servers.add(server);
        return stub;
    }

    private static URI deadNode() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }
}
