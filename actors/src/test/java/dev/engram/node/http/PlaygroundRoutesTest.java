package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.registry.TestAdapters;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.HeadlessChromium;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.RecallMode;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.PlaygroundResponse;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The playground against a real node (real broker, the real MiniLM, real PEFT adapter files signed
 * and published on Kafka): one task recalled by two versions side by side, over HTTP, through the
 * SDK and in the console in headless Chromium. v1 and v2 are promoted (v2 serves), v3, v5 and v6 are
 * verified but rejected by the gate, v4 has NaN weights and is refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlaygroundRoutesTest {

    private static final Duration BOUND = Duration.ofSeconds(120);
    private static final String T = TestIds.unique("play");
    private static final String ADAPTER = T + "-retriever";
    private static final String TASK = "the invoice was charged twice";
    private static final List<String> TASKS = List.of(
            "customer was charged twice for one order",
            "refund a duplicate card payment",
            "invoice shows the wrong billing address",
            "password reset email never arrived",
            "order shipped to the wrong city",
            "cancel a subscription before renewal",
            "card blocked after a double charge",
            "discount code not applied at checkout",
            "parcel arrived damaged, customer wants a replacement",
            "two accounts share one email address");

    @TempDir
    static Path tmp;

    private static TextEncoder encoder;
    private static EngramNode node;
    private static String adminKey;

    @BeforeAll
    static void aTenantWithCasesAndFourVersions() throws Exception {
        encoder = TextEncoder.load();
        // The tenant's own feedback topic: a new consumer group on the shared topic would first embed
        // every case the suite's other classes sent there, with this real encoder.
        TopicAdmin.ensureTopics(SharedKafka.bootstrapServers(), List.of(Topics.tenantFeedbackSpec(T)));
        node = EngramNode.start(NodeConfig.builder(tmp.resolve("node"))
                .bootstrapServers(SharedKafka.bootstrapServers())
                .feedbackLayout(FeedbackTopicLayout.PER_TENANT)
                .httpPort(0)
                .groupId(TestIds.unique("play"))
                .embedder(encoder)
                .tuning(TuningSchedulerConfig.disabled())
                .trustedWorkers(TestAdapters.TRUSTED)
                .build());
        adminKey = node.localAdminKey().orElseThrow();

        List<FeedbackStream.Item> items = new ArrayList<>();
        for (int i = 0; i < TASKS.size(); i++) {
            FeedbackEvent e = FeedbackEvent.of(
                    T + "-case-" + i,
                    T,
                    "support-bot",
                    Instant.parse("2026-03-01T09:00:00Z").plusSeconds(i),
                    TASKS.get(i),
                    "plan " + i,
                    "outcome " + i,
                    i % 2 == 0 ? 0.9 : 0.2,
                    List.of());
            items.add(new FeedbackStream.Item(T, EventCodec.encode(e), e, false, null));
        }
        Produced.send(SharedKafka.bootstrapServers(), Topics.tenantFeedback(T), items);

        List<AdapterFile> files = TestAdapters.files(encoder, tmp.resolve("made"), 11);
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers())) {
            AdapterPublisher publisher = AdapterPublisher.over(producer);
            publisher.publish(
                    version(1, AdapterStatus.CANDIDATE, TestAdapters.BETTER, TestAdapters.withLoraB(files, 0.01f)));
            publisher.publish(
                    version(2, AdapterStatus.CANDIDATE, TestAdapters.BETTER, TestAdapters.withLoraB(files, -0.01f)));
            publisher.publish(
                    version(3, AdapterStatus.CANDIDATE, TestAdapters.WORSE, TestAdapters.withLoraB(files, 0.02f)));
            publisher.publish(version(4, AdapterStatus.CANDIDATE, TestAdapters.BETTER, TestAdapters.withNaN(files)));
            publisher.publish(
                    version(5, AdapterStatus.CANDIDATE, TestAdapters.WORSE, TestAdapters.withLoraB(files, 0.015f)));
            publisher.publish(
                    version(6, AdapterStatus.CANDIDATE, TestAdapters.WORSE, TestAdapters.withLoraB(files, -0.015f)));
        }
        Await.until(
                "the cases recalled by their vectors and v2 serving with v6 listed",
                BOUND,
                () -> recall(TASK).path("ranked").size() == TASKS.size()
                        && recall(TASK).path("adapterVersion").asText().equals(ADAPTER + "/v2")
                        && node.adapters().adapter(ADAPTER) != null
                        && node.adapters().adapter(ADAPTER).versions().size() == 6);
    }

    private static dev.engram.streams.AdapterPublished version(
            long version, AdapterStatus status, dev.engram.streams.AdapterMetrics metrics, List<AdapterFile> files) {
        return TestAdapters.adapter(ADAPTER, T, version, status, metrics, files, encoder);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (encoder != null) {
            encoder.close();
        }
    }

    private static JsonNode recall(String task) {
        HttpCalls.Answer a = HttpCalls.as(adminKey)
                .post(
                        node.httpUrl() + "/v1/tenants/" + T + "/recall",
                        "{\"task\": \"" + task + "\", \"k\": 10, \"mode\": \"dense\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    private static HttpCalls.Answer playground(String key, String tenant, String versions) {
        return HttpCalls.as(key)
                .post(
                        node.httpUrl() + "/v1/tenants/" + tenant + "/playground",
                        "{\"task\": \"" + TASK + "\", \"k\": 10, \"mode\": \"dense\", \"versions\": " + versions + "}");
    }

    private static List<String> ids(JsonNode recall) {
        List<String> out = new ArrayList<>();
        recall.path("ranked").forEach(c -> out.add(c.path("caseId").asText()));
        return out;
    }

    @Test
    void aVersionThatDoesNotServeAnswersWithItsOwnOrderAndServingIsUnchanged() {
        HttpCalls.Answer answer = playground(adminKey, T, "[\"3\", \"serving\"]");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode p = answer.json();
        assertThat(p.path("a").path("adapterVersion").asText()).isEqualTo(ADAPTER + "/v3");
        assertThat(p.path("b").path("adapterVersion").asText()).isEqualTo(ADAPTER + "/v2");
        List<String> v3 = ids(p.path("a"));
        List<String> v2 = ids(p.path("b"));
        assertThat(v2).as("the serving side is what recall answers").isEqualTo(ids(recall(TASK)));
        assertThat(v3).as("v3 ranks by its own adapter").isNotEqualTo(v2).hasSameElementsAs(v2);
        assertThat(p.path("changes")).isNotEmpty();
        for (JsonNode change : p.path("changes")) {
            String id = change.path("caseId").asText();
            assertThat(change.path("rankA").asInt()).isEqualTo(v3.indexOf(id) + 1);
            assertThat(change.path("rankB").asInt()).isEqualTo(v2.indexOf(id) + 1);
        }
        assertThat(p.path("a").path("ranked").get(0).path("reason").asText()).contains("vector #");

        // Trying v3 loaded it beside the serving version and changed nothing that serves.
        assertThat(node.adapters().triedVersions()).contains(ADAPTER + "/v3");
        assertThat(node.adapters().servingLabel(T)).isEqualTo(ADAPTER + "/v2");
        assertThat(recall(TASK).path("adapterVersion").asText()).isEqualTo(ADAPTER + "/v2");

        // v1 by number or by its full name, and the base, each answer as themselves.
        JsonNode older = playground(adminKey, T, "[1, \"base\"]").json();
        assertThat(older.path("a").path("adapterVersion").asText()).isEqualTo(ADAPTER + "/v1");
        assertThat(older.path("b").path("adapterVersion").asText()).isEqualTo("base");
        JsonNode named =
                playground(adminKey, T, "[\"" + ADAPTER + "/v1\", \"v3\"]").json();
        assertThat(ids(named.path("a"))).isEqualTo(ids(older.path("a")));
        assertThat(ids(named.path("b"))).isEqualTo(v3);
        assertThat(node.adapters().triedVersions()).hasSizeLessThanOrEqualTo(3);
    }

    /** Last: it changes what serves. What the playground showed for v3 is what recall gives once v3 serves. */
    @Test
    @Order(Integer.MAX_VALUE)
    void aVersionPinnedAfterwardsRecallsWhatThePlaygroundShowedForIt() {
        List<String> tried =
                ids(playground(adminKey, T, "[\"3\", \"serving\"]").json().path("a"));
        HttpCalls.Answer pin = HttpCalls.as(adminKey)
                .post(
                        node.httpUrl() + "/v1/adapters/" + ADAPTER + "/pin",
                        "{\"version\": 3, \"reason\": \"serve what the playground showed\"}");
        assertThat(pin.status()).as(pin.body()).isEqualTo(202);
        Await.until(
                "v3 to serve after the pin",
                BOUND,
                () -> recall(TASK).path("adapterVersion").asText().equals(ADAPTER + "/v3"));
        assertThat(ids(recall(TASK))).isEqualTo(tried);
    }

    @Test
    void atMostThreeTriedVersionsStayLoadedTheLeastRecentlyTriedIsReleased() {
        for (String v : List.of("1", "3", "5", "6")) {
            HttpCalls.Answer a = playground(adminKey, T, "[\"" + v + "\", \"serving\"]");
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().path("a").path("adapterVersion").asText()).isEqualTo(ADAPTER + "/v" + v);
        }
        assertThat(node.adapters().triedVersions()).containsExactly(ADAPTER + "/v3", ADAPTER + "/v5", ADAPTER + "/v6");
        // The released one loads again when asked for, and answers as before.
        JsonNode again = playground(adminKey, T, "[\"1\", \"serving\"]").json();
        assertThat(again.path("a").path("adapterVersion").asText()).isEqualTo(ADAPTER + "/v1");
        assertThat(node.adapters().triedVersions()).containsExactly(ADAPTER + "/v5", ADAPTER + "/v6", ADAPTER + "/v1");
        assertThat(node.adapters().servingLabel(T)).isEqualTo(ADAPTER + "/v2");
    }

    @Test
    void theSdksOperationsRunThePlaygroundToo() {
        try (EngramClient client = EngramClient.builder()
                .nodeUrl(URI.create(node.httpUrl()))
                .apiKey(adminKey)
                .agentId("playground")
                .build()) {
            PlaygroundResponse p = client.operations().playground(T, TASK, 10, RecallMode.DENSE, "serving", "3");
            assertThat(p.a().adapterVersion()).isEqualTo(ADAPTER + "/v2");
            assertThat(p.b().adapterVersion()).isEqualTo(ADAPTER + "/v3");
            assertThat(p.sameOrder()).isFalse();
            assertThat(p.changes()).allSatisfy(c -> assertThat(c.rankA()).isNotEqualTo(c.rankB()));
            assertThatThrownBy(() -> client.operations().playground(T, TASK, 10, RecallMode.DENSE, "serving", "9"))
                    .isInstanceOf(EngramApiException.class)
                    .satisfies(
                            e -> assertThat(((EngramApiException) e).status()).isEqualTo(404));
        }
    }

    @Test
    void unknownVersionsAre404RefusedOnes409AndOtherTenants403() {
        HttpCalls.Answer unknown = playground(adminKey, T, "[\"serving\", \"9\"]");
        assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
        assertThat(unknown.json().path("error").asText()).contains(ADAPTER + " has no version 9");
        HttpCalls.Answer otherName = playground(adminKey, T, "[\"serving\", \"someone-else/v1\"]");
        assertThat(otherName.status()).as(otherName.body()).isEqualTo(404);
        HttpCalls.Answer noAdapter = playground(adminKey, TestIds.unique("play-none"), "[\"serving\", \"1\"]");
        assertThat(noAdapter.status()).as(noAdapter.body()).isEqualTo(404);

        HttpCalls.Answer refused = playground(adminKey, T, "[\"serving\", \"4\"]");
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(refused.json().path("error").asText())
                .contains(ADAPTER + "/v4 was refused by this node")
                .containsIgnoringCase("nan");
        assertThat(node.adapters().servingLabel(T)).isEqualTo(ADAPTER + "/v2");

        HttpCalls.Answer bad = playground(adminKey, T, "[\"serving\"]");
        assertThat(bad.status()).as(bad.body()).isEqualTo(400);
        assertThat(bad.json().path("field").asText()).isEqualTo("versions");
        HttpCalls.Answer nonsense = playground(adminKey, T, "[\"serving\", \"latest\"]");
        assertThat(nonsense.status()).as(nonsense.body()).isEqualTo(400);
        assertThat(nonsense.json().path("error").asText()).contains("'serving', 'base', a version number");

        String otherReader = HttpCalls.as(adminKey)
                .post(
                        node.httpUrl() + "/v1/keys",
                        "{\"principal\": \"play-reader\", \"role\": \"reader\", \"tenants\": [\"someone-else\"]}")
                .json()
                .path("key")
                .asText();
        HttpCalls.Answer outOfScope = playground(otherReader, T, "[\"serving\", \"1\"]");
        assertThat(outOfScope.status()).as(outOfScope.body()).isEqualTo(403);
        assertThat(outOfScope.json().path("field").asText()).isEqualTo("tenant");
        assertThat(HttpCalls.anonymous()
                        .post(node.httpUrl() + "/v1/tenants/" + T + "/playground", "{}")
                        .status())
                .isEqualTo(401);
    }

    @Test
    void theConsolesPlaygroundShowsBothListsAndWhereTheyDiffer(@TempDir Path profile) {
        HeadlessChromium.assumeInstalled();
        String reader = HttpCalls.as(adminKey)
                .post(
                        node.httpUrl() + "/v1/keys",
                        "{\"principal\": \"play-console\", \"role\": \"reader\", \"tenants\": [\"" + T + "\"]}")
                .json()
                .path("key")
                .asText();
        try (HeadlessChromium browser = HeadlessChromium.start(profile)) {
            WebDriver page = browser.driver();
            page.get(node.httpUrl() + "/console/#playground");
            page.findElement(By.id("api-key")).sendKeys(reader);
            page.findElement(By.id("login-button")).click();
            browser.await(BOUND, d -> d.findElement(By.id("view-playground")).isDisplayed());
            // A reader of one tenant has it filled in; the versions come from GET /v1/adapters.
            page.findElement(By.id("play-tenant")).sendKeys(T);
            browser.await(
                    BOUND,
                    d -> new Select(d.findElement(By.id("play-b"))).getOptions().size() == 8);
            page.findElement(By.id("play-task")).sendKeys(TASK);
            new Select(page.findElement(By.id("play-mode"))).selectByValue("dense");
            new Select(page.findElement(By.id("play-a"))).selectByValue("serving");
            new Select(page.findElement(By.id("play-b"))).selectByValue("3");
            page.findElement(By.id("play-run")).click();

            WebElement b = browser.await(BOUND, d -> d.findElement(By.id("play-side-b")));
            assertThat(page.findElement(By.cssSelector("#play-side-a .play-version"))
                            .getText())
                    .isEqualTo(ADAPTER + "/v2");
            assertThat(b.findElement(By.cssSelector(".play-version")).getText()).isEqualTo(ADAPTER + "/v3");
            JsonNode expected = playground(adminKey, T, "[\"serving\", \"3\"]").json();
            List<String> shownB = b.findElements(By.cssSelector("tr.hit")).stream()
                    .map(r -> r.getAttribute("data-case"))
                    .toList();
            assertThat(shownB).isEqualTo(ids(expected.path("b")));
            assertThat(page.findElements(By.cssSelector("#play-side-a tr.hit.moved")))
                    .hasSize(expected.path("changes").size());
            List<String> changed = page.findElements(By.cssSelector("#play-changes tr.change")).stream()
                    .map(r -> r.getAttribute("data-case"))
                    .toList();
            List<String> expectedChanges = new ArrayList<>();
            expected.path("changes")
                    .forEach(c -> expectedChanges.add(c.path("caseId").asText()));
            assertThat(changed).isNotEmpty().isEqualTo(expectedChanges);
            assertThat(b.findElement(By.cssSelector("tr.hit td.ranks")).getText())
                    .matches("bm25 (#\\d+|–) · vector #\\d+");
            assertThat(page.findElement(By.id("play-summary")).getText())
                    .contains("rank differently under " + ADAPTER + "/v2 and " + ADAPTER + "/v3");
            ((JavascriptExecutor) page).executeScript("document.getElementById('play-summary').scrollIntoView()");
            browser.screenshot("playground");

            new Select(page.findElement(By.id("play-b"))).selectByValue("4");
            page.findElement(By.id("play-run")).click();
            browser.await(
                    BOUND, d -> d.findElement(By.id("play-message")).getText().contains("HTTP 409"));
            assertThat(page.findElement(By.id("play-message")).getText()).contains("refused by this node");
        }
    }
}
