package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.RetrievedCase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The node's HTTP API against a running node fed through Kafka. */
class HttpApiTest {

    private static final String SHARED_TASK = "reset the session cache after a login failure";
    private static final String A = TestIds.unique("http-a");
    private static final String B = TestIds.unique("http-b");
    private static EngramNode node;
    private static HttpCalls.Client api;

    @BeforeAll
    static void feedTwoTenants() {
        node = SharedNode.get();
        api = HttpCalls.as(SharedNode.adminKey());
        Instant t0 = Instant.parse("2026-02-01T10:00:00Z");
        List<FeedbackEvent> events = List.of(
                FeedbackEvent.of(
                        A + "-good",
                        A,
                        "agent-1",
                        t0,
                        SHARED_TASK,
                        "flush the session cache",
                        "users can log in again",
                        0.9,
                        List.of()),
                FeedbackEvent.of(
                        A + "-bad",
                        A,
                        "agent-1",
                        t0.plusSeconds(1),
                        "login failure after a password reset",
                        "restart the login pod",
                        "still failing",
                        0.1,
                        List.of()),
                FeedbackEvent.of(
                        A + "-other",
                        A,
                        "agent-2",
                        t0.plusSeconds(2),
                        "write the quarterly billing report",
                        "sum the invoices",
                        "report sent",
                        0.8,
                        List.of()),
                FeedbackEvent.of(
                        A + "-judge",
                        A,
                        "agent-2",
                        t0.plusSeconds(3),
                        "session cache is stale after login",
                        "flush the session cache",
                        "fixed",
                        0.7,
                        List.of(new RetrievedCase(A + "-good", 1, true), new RetrievedCase(A + "-bad", 2, false))),
                FeedbackEvent.of(
                        B + "-good",
                        B,
                        "agent-9",
                        t0,
                        SHARED_TASK,
                        "flush the session cache",
                        "users can log in again",
                        0.9,
                        List.of()));
        List<FeedbackStream.Item> items = new ArrayList<>();
        events.forEach(e -> items.add(new FeedbackStream.Item(e.tenant(), EventCodec.encode(e), e, false, null)));
        Produced.send(SharedKafka.bootstrapServers(), items);
        Await.until(
                "both tenants' cases to be stored",
                Duration.ofMinutes(2),
                () -> node.store().count(A) == 4
                        && node.store().count(B) == 1
                        && node.store()
                                .get(A, A + "-good")
                                .map(c -> c.timesRecalled() == 1)
                                .orElse(false));
    }

    private static String recallUrl(String tenant) {
        return node.httpUrl() + "/v1/tenants/" + tenant + "/recall";
    }

    @Test
    void recallAnswersPositivesAndNegativesWithTheCaseFieldsScoreAndReason() {
        HttpCalls.Answer answer = api.post(recallUrl(A), "{\"task\": \"session cache login failure\", \"k\": 10}");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("application/json");
        JsonNode json = answer.json();
        assertThat(json.path("tenant").asText()).isEqualTo(A);
        assertThat(json.path("k").asInt()).isEqualTo(10);
        assertThat(json.path("mode").asText()).isEqualTo("bm25");
        assertThat(json.path("adapterVersion").asText()).isEqualTo("base");
        assertThat(ids(json.path("positives"))).contains(A + "-good").doesNotContain(A + "-bad");
        assertThat(ids(json.path("negatives"))).contains(A + "-bad");
        assertThat(json.path("ranked").size())
                .isEqualTo(
                        json.path("positives").size() + json.path("negatives").size());

        JsonNode good = StreamSupport.stream(json.path("positives").spliterator(), false)
                .filter(c -> c.path("caseId").asText().equals(A + "-good"))
                .findFirst()
                .orElseThrow();
        assertThat(good.path("task").asText()).isEqualTo(SHARED_TASK);
        assertThat(good.path("plan").asText()).isEqualTo("flush the session cache");
        assertThat(good.path("outcome").asText()).isEqualTo("users can log in again");
        assertThat(good.path("agentId").asText()).isEqualTo("agent-1");
        assertThat(good.path("reward").asDouble()).isEqualTo(0.9);
        assertThat(good.path("timesRecalled").asLong()).isEqualTo(1);
        assertThat(good.path("timesUseful").asLong()).isEqualTo(1);
        assertThat(good.path("createdAt").asText()).isEqualTo("2026-02-01T10:00:00Z");
        assertThat(good.path("score").asDouble()).isPositive();
        assertThat(good.path("reason").asText()).isNotBlank();
        assertThat(good.path("polarity").asText()).isEqualTo("positive");
        assertThat(good.path("rank").asInt()).isBetween(1, json.path("ranked").size());
        for (int i = 0; i < json.path("ranked").size(); i++) {
            assertThat(json.path("ranked").get(i).path("rank").asInt()).isEqualTo(i + 1);
        }
    }

    @Test
    void tenantsNeverSeeEachOthersCasesEvenWithIdenticalText() {
        JsonNode a =
                api.post(recallUrl(A), "{\"task\": \"" + SHARED_TASK + "\"}").json();
        JsonNode b =
                api.post(recallUrl(B), "{\"task\": \"" + SHARED_TASK + "\"}").json();
        JsonNode nobody = api.post(recallUrl(TestIds.unique("http-none")), "{\"task\": \"" + SHARED_TASK + "\"}")
                .json();

        assertThat(ids(a.path("ranked"))).isNotEmpty().allMatch(id -> id.startsWith(A + "-"));
        assertThat(ids(b.path("ranked"))).containsExactly(B + "-good");
        assertThat(nobody.path("ranked").size()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "missing task       | {\"k\": 3}                    | task",
                "blank task         | {\"task\": \"  \"}             | task",
                "task not a string  | {\"task\": 42}                | task",
                "k zero             | {\"task\": \"x\", \"k\": 0}     | k",
                "k too large        | {\"task\": \"x\", \"k\": 1001}  | k",
                "k not an integer   | {\"task\": \"x\", \"k\": \"ten\"} | k",
                "k fractional       | {\"task\": \"x\", \"k\": 2.5}   | k",
                "unknown field      | {\"task\": \"x\", \"top\": 3}   | top",
                "unknown mode       | {\"task\": \"x\", \"mode\": \"fuzzy\"} | mode",
                "mode not a string  | {\"task\": \"x\", \"mode\": 3}   | mode",
                "duplicate key      | {\"task\": \"x\", \"k\": 3, \"k\": 4} | k",
                "duplicate task     | {\"task\": \"x\", \"task\": \"y\"} | task"
            })
    void badRequestsAre400AndNameTheField(String name, String body, String field) {
        HttpCalls.Answer answer = api.post(recallUrl(A), body);

        assertThat(answer.status()).as(name).isEqualTo(400);
        assertThat(answer.json().path("field").asText()).as(name).isEqualTo(field);
        assertThat(answer.json().path("error").asText()).as(name).contains(field);
    }

    @Test
    void aModeTheNodeCannotServeIs400AndAnExplicitBm25Is200() {
        HttpCalls.Answer dense = api.post(recallUrl(A), "{\"task\": \"session cache\", \"mode\": \"dense\"}");
        HttpCalls.Answer bm25 = api.post(recallUrl(A), "{\"task\": \"session cache\", \"mode\": \"BM25\"}");

        assertThat(dense.status()).isEqualTo(400);
        assertThat(dense.json().path("error").asText()).contains("needs a node with an embedder");
        assertThat(bm25.status()).isEqualTo(200);
        assertThat(bm25.json().path("mode").asText()).isEqualTo("bm25");
        assertThat(ids(bm25.json().path("ranked"))).contains(A + "-good");
    }

    @Test
    void aDuplicateKeyIsRefusedNamingTheKeyNotSilentlyTakenOnce() {
        HttpCalls.Answer twice = api.post(recallUrl(A), "{\"task\": \"session cache\", \"task\": \"billing\"}");

        assertThat(twice.status()).isEqualTo(400);
        assertThat(twice.json().path("field").asText()).isEqualTo("task");
        assertThat(twice.json().path("error").asText()).contains("'task' appears twice");
    }

    @Test
    void aTaskOfMoreWordsThanBm25CanSearchIs400AndOneAtTheLimitIsServed() {
        HttpCalls.Answer tooMany = api.post(recallUrl(A), "{\"task\": \"" + distinctWords(2_000, "w") + "\"}");
        HttpCalls.Answer atLimit = api.post(recallUrl(A), "{\"task\": \"session " + distinctWords(999, "w") + "\"}");
        // Lucene emits each ideograph as a word of its own, and each emoji: counted so, not as one word.
        HttpCalls.Answer ideographs = api.post(recallUrl(A), "{\"task\": \"" + codePoints(0x4E00, 1_100) + "\"}");
        HttpCalls.Answer ideographsAtLimit =
                api.post(recallUrl(A), "{\"task\": \"" + codePoints(0x4E00, 1_000) + "\"}");
        HttpCalls.Answer emoji = api.post(recallUrl(A), "{\"task\": \"" + codePoints(0x1F300, 1_100) + "\"}");

        assertThat(tooMany.status()).as(tooMany.body()).isEqualTo(400);
        assertThat(tooMany.json().path("field").asText()).isEqualTo("task");
        assertThat(tooMany.json().path("error").asText())
                .contains("2000 words", "at most 1000")
                .doesNotContain("org.apache", "TooManyClauses");
        assertThat(atLimit.status()).as(atLimit.body()).isEqualTo(200);
        assertThat(ids(atLimit.json().path("ranked"))).contains(A + "-good");
        assertThat(ideographs.status()).as(ideographs.body()).isEqualTo(400);
        assertThat(ideographs.json().path("error").asText()).contains("1100 words");
        assertThat(ideographsAtLimit.status()).as(ideographsAtLimit.body()).isEqualTo(200);
        assertThat(emoji.status()).as(emoji.body()).isEqualTo(400);
    }

    @Test
    void aTenMegabyteBodyIs413() {
        String huge = "{\"task\": \"" + "a".repeat(10 * 1024 * 1024) + "\"}";

        HttpCalls.Answer answer = api.post(recallUrl(A), huge);

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.json().path("error").asText()).contains("at most " + RequestBody.MAX_BYTES + " bytes");
    }

    private static String distinctWords(int n, String prefix) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(prefix).append(i);
        }
        return sb.toString();
    }

    private static String codePoints(int first, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.appendCodePoint(first + i);
        }
        return sb.toString();
    }

    @Test
    void malformedBodiesAndBadTenantsAre400() {
        HttpCalls.Answer notJson = api.post(recallUrl(A), "{\"task\": ");
        HttpCalls.Answer notObject = api.post(recallUrl(A), "[\"task\"]");
        HttpCalls.Answer empty = api.post(recallUrl(A), "");
        HttpCalls.Answer badTenant = api.post(recallUrl("Not_Lower"), "{\"task\": \"x\"}");

        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.json().path("error").asText()).contains("not valid JSON");
        assertThat(notObject.status()).isEqualTo(400);
        assertThat(notObject.json().path("error").asText()).contains("JSON object");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(badTenant.status()).isEqualTo(400);
        assertThat(badTenant.json().path("field").asText()).isEqualTo("tenant");
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405() {
        HttpCalls.Answer unknown = api.get(node.httpUrl() + "/v1/nothing/here");
        HttpCalls.Answer wrongMethod = api.get(recallUrl(A));

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("error").asText())
                .contains("/v1/nothing/here", "POST /v1/tenants/{tenant}/recall");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.json().path("error").asText()).contains("POST");
    }

    @Test
    void healthReportsTheConsumerAndMetricsArePrometheusText() {
        HttpCalls.Answer health = api.get(node.httpUrl() + "/health");
        api.post(recallUrl(A), "{\"task\": \"billing\"}");
        HttpCalls.Answer metrics = api.get(node.httpUrl() + "/metrics");

        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("status").asText()).isEqualTo("UP");
        assertThat(health.json().path("consumer").asText()).isEqualTo("RUNNING");
        assertThat(health.json().path("assignedPartitions").size()).isPositive();
        assertThat(health.json().path("servingVersions").isObject())
                .as("tenants' serving versions")
                .isTrue();
        assertThat(health.json().path("servingVersions").size())
                .as("no tuned version serves yet")
                .isZero();
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).startsWith("text/plain");
        assertThat(metrics.body())
                .contains(
                        "engram_events_ingested_total",
                        "engram_events_invalid_total",
                        "engram_events_dead_lettered_total",
                        "engram_ingest_batch_seconds_count",
                        "engram_recall_seconds_count",
                        "engram_consumer_lag",
                        "resilience4j_circuitbreaker_state{name=\"engram.dead-letters\"",
                        "resilience4j_retry_calls_total{kind=\"successful_without_retry\",name=\"engram.store-write\"}");
    }

    private static List<String> ids(JsonNode cases) {
        List<String> ids = new ArrayList<>();
        cases.forEach(c -> ids.add(c.path("caseId").asText()));
        return ids;
    }
}
