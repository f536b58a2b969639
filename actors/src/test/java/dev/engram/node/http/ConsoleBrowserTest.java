package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.HeadlessChromium;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import dev.engram.node.testing.TestWorker;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.RetrievedCase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The operations console in a real browser (headless Chromium) against a running node fed through
 * Kafka: sign in with a key, the adapters view, the memory browser, the live overview, and a
 * reader's key refused an operator's action. Each test saves a screenshot of its view.
 */
class ConsoleBrowserTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final String T = TestIds.unique("console");
    private static final String ADAPTER = T + "-retriever";
    private static EngramNode node;
    private static String adminKey;
    private static String readerKey;

    @TempDir
    Path profile;

    private HeadlessChromium browser;
    private WebDriver page;

    @BeforeAll
    static void aTenantWithCasesAndAnAdapter() {
        HeadlessChromium.assumeInstalled();
        node = SharedNode.get();
        adminKey = SharedNode.adminKey();
        HttpCalls.Answer created = HttpCalls.as(adminKey)
                .post(
                        node.httpUrl() + "/v1/keys",
                        "{\"principal\": \"console-reader\", \"role\": \"reader\", \"tenants\": [\"" + T + "\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        readerKey = created.json().path("key").asText();

        Instant t0 = Instant.parse("2026-03-01T09:00:00Z");
        List<FeedbackEvent> events = List.of(
                FeedbackEvent.of(
                        T + "-refund",
                        T,
                        "support-bot",
                        t0,
                        "customer was charged twice for one order",
                        "find the duplicate payment and refund it",
                        "refunded, customer happy",
                        0.9,
                        List.of()),
                FeedbackEvent.of(
                        T + "-escalate",
                        T,
                        "support-bot",
                        t0.plusSeconds(1),
                        "customer charged twice, card blocked",
                        "escalate to the bank",
                        "no answer for a week",
                        0.1,
                        List.of()),
                FeedbackEvent.of(
                        T + "-judge",
                        T,
                        "support-bot",
                        t0.plusSeconds(2),
                        "double charge on the invoice",
                        "refund the duplicate payment",
                        "refunded",
                        0.8,
                        List.of(
                                new RetrievedCase(T + "-refund", 1, true),
                                new RetrievedCase(T + "-escalate", 2, false))));
        Produced.send(
                SharedKafka.bootstrapServers(),
                events.stream()
                        .map(e -> new FeedbackStream.Item(e.tenant(), EventCodec.encode(e), e, false, null))
                        .toList());

        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers())) {
            AdapterPublisher publisher = AdapterPublisher.over(producer);
            publisher.publish(version(
                    1, null, AdapterStatus.CANDIDATE, new AdapterMetrics(0.41, 0.40, 40, 0.39, 0.39, 20, Map.of())));
            publisher.publish(version(
                    2, 1L, AdapterStatus.CANDIDATE, new AdapterMetrics(0.43, 0.41, 44, 0.39, 0.39, 20, Map.of())));
        }
        Await.until(
                "the cases to be stored and both adapter versions listed",
                Duration.ofMinutes(2),
                () -> node.store().count(T) == 3
                        && node.store()
                                .get(T, T + "-refund")
                                .map(c -> c.timesUseful() == 1)
                                .orElse(false)
                        && node.adapters().adapter(ADAPTER) != null
                        && node.adapters().adapter(ADAPTER).versions().size() == 2);
    }

    private static AdapterPublished version(long version, Long parent, AdapterStatus status, AdapterMetrics metrics) {
        return TestWorker.sign(AdapterPublished.of(
                ADAPTER,
                T,
                version,
                parent,
                "test-model",
                AdapterMethod.LORA_QUERY_SIDE,
                LoraTrainingConfig.defaults(),
                metrics,
                status,
                "",
                "job-" + ADAPTER + "-" + version,
                List.of(
                        new AdapterFile(AdapterFile.PEFT_CONFIG, "{}".getBytes(StandardCharsets.UTF_8)),
                        new AdapterFile(AdapterFile.PEFT_WEIGHTS, new byte[8])),
                Instant.parse("2026-03-01T10:00:00Z").plusSeconds(version)));
    }

    @BeforeEach
    void openBrowser() {
        browser = HeadlessChromium.start(profile);
        page = browser.driver();
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    private void signIn(String key) {
        page.get(node.httpUrl() + "/console");
        browser.await(BOUND, d -> d.findElement(By.id("api-key")).isDisplayed());
        page.findElement(By.id("api-key")).sendKeys(key);
        page.findElement(By.id("login-button")).click();
        browser.await(BOUND, d -> d.findElement(By.id("app")).isDisplayed());
    }

    private void open(String view) {
        page.findElement(By.cssSelector("nav a[data-view='" + view + "']")).click();
        browser.await(BOUND, d -> d.findElement(By.id("view-" + view)).isDisplayed());
    }

    private WebElement versionRow(long version) {
        return browser.await(
                BOUND,
                d -> d.findElement(
                        By.cssSelector("article[data-adapter='" + ADAPTER + "'] tr[data-version='" + version + "']")));
    }

    @Test
    void anAdminSeesEveryVersionWithTheGatesReasonAndPinsOneAfterConfirming() {
        signIn(adminKey);
        assertThat(page.findElement(By.id("who")).getText()).contains("admin");
        open("adapters");

        WebElement v1 = versionRow(1);
        WebElement v2 = versionRow(2);
        assertThat(v2.getText()).contains("PROMOTED", "0.4300 vs 0.4100", "n 44");
        assertThat(v1.getText()).contains("v1", "0.4100 vs 0.4000", "n 40");
        String reason = node.adapters().adapter(ADAPTER).versions().get(1).reason();
        assertThat(v2.findElement(By.cssSelector("td.reason")).getText()).isEqualTo(reason);
        assertThat(v1.findElements(By.cssSelector("button.action")))
                .hasSize(2)
                .allSatisfy(b -> assertThat(b.isEnabled()).isTrue());
        browser.screenshot("adapters");

        v1.findElement(By.xpath(".//button[text()='Pin']")).click();
        browser.await(BOUND, d -> d.findElement(By.id("confirm")).isDisplayed());
        assertThat(page.findElement(By.id("confirm-title")).getText()).isEqualTo("Pin " + ADAPTER + " at v1?");
        page.findElement(By.id("confirm-reason")).sendKeys("console test: hold v1");
        page.findElement(By.id("confirm-ok")).click();

        browser.await(
                BOUND, d -> d.findElement(By.id("adapters-message")).getText().contains("published at offset"));
        Await.until("the registry to apply the console's pin", BOUND, () -> {
            JsonNode view = HttpCalls.as(adminKey)
                    .get(node.httpUrl() + "/v1/adapters/" + ADAPTER)
                    .json();
            return view.path("pinned").asLong() == 1
                    && view.path("control").path("reason").asText().equals("console test: hold v1")
                    && view.path("control").path("operator").asText().equals("admin");
        });
        browser.await(BOUND, d -> versionRow(1).getText().contains("pinned"));
        browser.screenshot("adapters-pinned");
    }

    @Test
    void anOperatorDownloadsAVersionsFilesAndSeesTheGateFromThePage() {
        signIn(adminKey);
        open("adapters");
        WebElement download = versionRow(2).findElement(By.cssSelector("button.download"));
        assertThat(download.isEnabled()).isTrue();
        assertThat(page.findElement(By.id("adapters-gate")).getText())
                .contains(
                        String.format(
                                java.util.Locale.ROOT,
                                "%.4f",
                                node.config().promotionGate().minHeldOutGain()),
                        "retention loss");

        download.click();
        String sha = node.adapters().adapter(ADAPTER).versions().get(1).payloadSha256();
        String message = browser.await(BOUND, d -> {
            String text = d.findElement(By.id("adapters-message")).getText();
            return text.startsWith("downloaded") ? text : null;
        });
        assertThat(message).contains(ADAPTER + "-v2.zip", "bytes", "files sha256 " + sha);
    }

    @Test
    void theMemoryBrowserFindsATenantsCasesWithPolarityAndReason() {
        signIn(adminKey);
        open("memory");
        page.findElement(By.id("memory-tenant")).sendKeys(T);
        page.findElement(By.id("memory-task")).sendKeys("customer charged twice");
        page.findElement(By.id("memory-search")).click();

        WebElement refund =
                browser.await(BOUND, d -> d.findElement(By.cssSelector("tr.hit[data-case='" + T + "-refund']")));
        WebElement escalate = page.findElement(By.cssSelector("tr.hit[data-case='" + T + "-escalate']"));
        assertThat(refund.findElement(By.cssSelector(".polarity")).getText()).isEqualTo("positive");
        assertThat(escalate.findElement(By.cssSelector(".polarity")).getText()).isEqualTo("negative");
        assertThat(refund.findElement(By.cssSelector("td.reason")).getText()).contains("bm25 #", "→ positive");
        assertThat(refund.getText()).contains("refunded, customer happy", "useful 1/1");
        assertThat(page.findElement(By.id("memory-summary")).getText()).contains("mode bm25", "version ");
        browser.screenshot("memory");
    }

    @Test
    void theOverviewShowsTheNodeUpLive() {
        HttpCalls.Answer recall = HttpCalls.as(adminKey)
                .post(node.httpUrl() + "/v1/tenants/" + T + "/recall", "{\"task\": \"refund a double charge\"}");
        assertThat(recall.status()).as(recall.body()).isEqualTo(200);
        signIn(adminKey);
        open("overview");
        browser.await(
                BOUND, d -> d.findElement(By.id("overview-status")).getText().equals("UP"));
        browser.await(
                BOUND, d -> d.findElement(By.id("overview-latency")).getText().matches("[0-9.]+ / [0-9.]+ ms"));
        assertThat(page.findElement(By.id("node-status")).getText()).isEqualTo("UP");
        assertThat(page.findElements(By.cssSelector("#overview-partitions tbody tr")))
                .isNotEmpty();
        String first = page.findElement(By.id("overview-time")).getText();
        browser.await(
                BOUND, d -> !d.findElement(By.id("overview-time")).getText().equals(first));
        browser.screenshot("overview");
    }

    @Test
    void aReadersKeySeesTheButtonsDisabledAndForcingOneShowsTheApis403() {
        page.get(node.httpUrl() + "/console/");
        page.findElement(By.id("api-key")).sendKeys("egk_000000000000_" + "x".repeat(43));
        page.findElement(By.id("login-button")).click();
        browser.await(BOUND, d -> d.findElement(By.id("login-error")).getText().contains("not valid on this node"));

        signIn(readerKey);
        assertThat(page.findElement(By.id("who")).getText()).contains("console-reader", "reader");
        open("adapters");
        WebElement pin = versionRow(2).findElement(By.xpath(".//button[text()='Pin']"));
        assertThat(pin.isEnabled()).isFalse();
        assertThat(pin.getAttribute("title")).contains("needs an operator key");
        WebElement download = versionRow(2).findElement(By.cssSelector("button.download"));
        assertThat(download.isEnabled()).as("the files are an operator's").isFalse();

        ((JavascriptExecutor) page).executeScript("arguments[0].disabled = false; arguments[0].click();", pin);
        browser.await(BOUND, d -> d.findElement(By.id("confirm")).isDisplayed());
        page.findElement(By.id("confirm-reason")).sendKeys("a reader trying");
        page.findElement(By.id("confirm-ok")).click();
        String message = browser.await(BOUND, d -> {
            String text = d.findElement(By.id("adapters-message")).getText();
            return text.contains("HTTP") ? text : null;
        });
        assertThat(message).contains("refused: HTTP 403", "role reader", "needs role operator");
        browser.screenshot("reader-refused");
    }
}
