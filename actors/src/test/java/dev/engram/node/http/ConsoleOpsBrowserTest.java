package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.node.EngramNode;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.HeadlessChromium;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import dev.engram.node.testing.TrainingRecords;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingProgress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The console's views of the stream in a real browser (headless Chromium) against a running node
 * and broker: the dead letters with their reason and payload, filtered; a training job that moves
 * from queued to running to done while the page watches, its loss curve drawn live; each
 * partition's lag and the rates plotted as the overviews arrive, a burst's partition's lag rising and
 * falling back to 0.
 */
class ConsoleOpsBrowserTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final String T = TestIds.unique("console-ops");
    private static EngramNode node;
    private static String adminKey;

    @TempDir
    Path profile;

    private HeadlessChromium browser;
    private WebDriver page;

    @BeforeAll
    static void invalidFeedback() {
        HeadlessChromium.assumeInstalled();
        node = SharedNode.get();
        adminKey = SharedNode.adminKey();
        String reward7 = "{\"schemaVersion\": 1, \"eventId\": \"" + T + "-bad\", \"tenant\": \"" + T
                + "\", \"agentId\": \"support-bot\", \"timestamp\": \"2026-03-01T09:00:00Z\", "
                + "\"task\": \"customer charged twice\", \"plan\": \"refund\", \"reward\": 7.0}";
        Produced.send(
                SharedKafka.bootstrapServers(),
                List.of(
                        new FeedbackStream.Item(T, reward7.getBytes(StandardCharsets.UTF_8), null, false, "reward"),
                        new FeedbackStream.Item(
                                T, "not json at all".getBytes(StandardCharsets.UTF_8), null, false, "json")));
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

    private void signIn() {
        page.get(node.httpUrl() + "/console");
        browser.await(BOUND, d -> d.findElement(By.id("api-key")).isDisplayed());
        page.findElement(By.id("api-key")).sendKeys(adminKey);
        page.findElement(By.id("login-button")).click();
        browser.await(BOUND, d -> d.findElement(By.id("app")).isDisplayed());
    }

    private void open(String view) {
        page.findElement(By.cssSelector("nav a[data-view='" + view + "']")).click();
        browser.await(BOUND, d -> d.findElement(By.id("view-" + view)).isDisplayed());
    }

    @Test
    void anOperatorFiltersTheDeadLettersAndReadsOnesReasonAndPayload() {
        signIn();
        open("dead-letters");
        page.findElement(By.id("dead-tenant")).sendKeys(T);
        // The node dead-letters the records a moment after they were sent: filter again until both are in.
        List<WebElement> rows = browser.await(BOUND, d -> {
            if (d.findElement(By.id("dead-message")).getText().startsWith("reading")) {
                return null; // the last filter is still being answered
            }
            List<WebElement> found = d.findElements(By.cssSelector("tr.dead-letter"));
            if (found.size() == 2) {
                return found;
            }
            d.findElement(By.id("dead-search")).click();
            return null;
        });
        assertThat(rows.get(0).getText()).contains(T, "json", "engram.feedback-");
        WebElement reward = rows.get(1);
        assertThat(reward.findElement(By.cssSelector("td.reason")).getText()).contains("reward");

        reward.findElement(By.cssSelector("button.view-payload")).click();
        browser.await(BOUND, d -> d.findElement(By.id("dead-payload-box")).isDisplayed());
        assertThat(page.findElement(By.id("dead-payload")).getText())
                .contains("\"reward\": 7", "\"task\": \"customer charged twice\"");
        assertThat(page.findElement(By.id("dead-payload-reason")).getText())
                .isEqualTo(reward.findElement(By.cssSelector("td.reason")).getText());
        assertThat(page.findElement(By.id("dead-payload-title")).getText()).contains("key " + T, "utf-8");
        browser.screenshot("dead-letters");

        page.findElement(By.id("dead-reason")).sendKeys("reward");
        page.findElement(By.id("dead-search")).click();
        browser.await(
                BOUND, d -> d.findElements(By.cssSelector("tr.dead-letter")).size() == 1);
        assertThat(page.findElement(By.cssSelector("tr.dead-letter")).getText()).contains("reward");
    }

    @Test
    void theStreamViewPlotsEachPartitionsLagAndTheRatesLive() {
        signIn();
        open("stream");
        browser.await(BOUND, d -> {
            String points = d.findElement(By.id("stream-lag")).getAttribute("data-points");
            return points != null && Integer.parseInt(points) >= 3;
        });
        List<String> partitions = new java.util.ArrayList<>();
        HttpCalls.as(adminKey)
                .get(node.httpUrl() + "/health")
                .json()
                .path("assignedPartitions")
                .forEach(p -> partitions.add(p.asText()));
        assertThat(partitions).isNotEmpty();
        for (String p : partitions) {
            assertThat(page.findElements(By.cssSelector("#stream-lag g.plot-series[data-series='" + p + "'] circle")))
                    .as("lag points of " + p)
                    .hasSizeGreaterThanOrEqualTo(3);
            assertThat(page.findElement(By.cssSelector("#stream-partitions tr[data-partition='" + p + "']"))
                            .getText())
                    .startsWith(p);
        }
        assertThat(page.findElements(By.cssSelector("#stream-rate g.plot-series")))
                .extracting(e -> e.getAttribute("data-series"))
                .containsExactly("events in /s", "dead letters /s");
        assertThat(page.findElement(By.id("stream-now")).getText())
                .matches("[0-9.]+ events/s in, [0-9.]+ dead letters/s over the last [0-9]+ s");

        // T's partition settled first: its two invalid records dead-lettered and its plotted peak back to 0,
        // so that what rises on it from here on is the bursts below
        Await.until(
                "the invalid records of " + T + " to be dead-lettered",
                BOUND,
                () -> HttpCalls.as(adminKey)
                                .get(node.httpUrl() + "/v1/dead-letters?tenant=" + T)
                                .json()
                                .path("deadLetters")
                                .size()
                        == 2);
        String partition = "engram.feedback-"
                + HttpCalls.as(adminKey)
                        .get(node.httpUrl() + "/v1/dead-letters?tenant=" + T)
                        .json()
                        .path("deadLetters")
                        .get(0)
                        .path("sourcePartition")
                        .asInt();
        browser.await(BOUND, d -> {
            List<Long> lag = lagPlotted(d, partition);
            return !lag.isEmpty() && lag.get(lag.size() - 1) == 0;
        });
        int beforeBurst = lagPlotted(page, partition).size();

        // a burst of feedback while the page watches: the rate of events in rises on the plot
        Instant t0 = Instant.parse("2026-03-01T12:00:00Z");
        List<FeedbackStream.Item> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            FeedbackEvent e = FeedbackEvent.of(
                    T + "-burst-" + i,
                    T,
                    "support-bot",
                    t0.plusSeconds(i),
                    "customer asks about order " + i,
                    "looked the order up",
                    "answered",
                    0.8,
                    List.of());
            burst.add(new FeedbackStream.Item(T, EventCodec.encode(e), e, false, null));
        }
        Produced produced = Produced.send(SharedKafka.bootstrapServers(), burst);
        assertThat("engram.feedback-" + produced.metadata().get(0).partition())
                .as("keyed by tenant")
                .isEqualTo(partition);
        browser.await(
                BOUND,
                d -> Double.parseDouble(d.findElement(By.id("stream-rate")).getAttribute("data-max-in")) > 0);
        // the lag of the burst's partition rises on the plot, then falls back to 0 once the burst is durable
        // (the node plots each interval's peak, measured as each batch is fetched, so the rise is never missed)
        browser.await(BOUND, d -> {
            List<Long> lag = lagPlotted(d, partition);
            return risesThenFalls(lag.subList(Math.min(beforeBurst, lag.size()), lag.size()));
        });
        browser.screenshot("stream");

        // a burst of five, written far faster than the 2 s between overviews: its peak is plotted all the same
        int before = lagPlotted(page, partition).size();
        List<FeedbackStream.Item> five = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            FeedbackEvent e = FeedbackEvent.of(
                    T + "-five-" + i,
                    T,
                    "support-bot",
                    t0.plusSeconds(1000 + i),
                    "customer asks about refund " + i,
                    "looked the refund up",
                    "answered",
                    0.8,
                    List.of());
            five.add(new FeedbackStream.Item(T, EventCodec.encode(e), e, false, null));
        }
        Produced.send(SharedKafka.bootstrapServers(), five);
        browser.await(BOUND, d -> {
            List<Long> lag = lagPlotted(d, partition);
            return risesThenFalls(lag.subList(Math.min(before, lag.size()), lag.size()));
        });
        List<Long> plotted = lagPlotted(page, partition);
        assertThat(plotted.subList(before, plotted.size()))
                .as("lag plotted for " + partition + " after the burst of five")
                .anyMatch(lag -> lag > 0 && lag <= 5);
        assertThat(plotted.get(plotted.size() - 1))
                .as("last lag plotted for " + partition)
                .isZero();
    }

    /** The lag values the stream view plotted for {@code partition}, oldest first. */
    private static List<Long> lagPlotted(WebDriver d, String partition) {
        String json = d.findElement(By.id("stream-lag")).getAttribute("data-lag");
        List<Long> values = new java.util.ArrayList<>();
        if (json != null) {
            try {
                new ObjectMapper().readTree(json).path(partition).forEach(v -> values.add(v.asLong()));
            } catch (JsonProcessingException e) {
                throw new AssertionError("the stream view's data-lag is not JSON: " + json, e);
            }
        }
        return values;
    }

    /** Whether some value above 0 is followed, later, by a 0. */
    private static boolean risesThenFalls(List<Long> lag) {
        int firstRise = -1;
        for (int i = 0; i < lag.size(); i++) {
            if (firstRise < 0 && lag.get(i) > 0) {
                firstRise = i;
            } else if (firstRise >= 0 && lag.get(i) == 0) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aTrainingJobMovesFromQueuedToRunningToDoneWhileItsLossCurveGrowsLive() {
        Instant t0 = Instant.parse("2026-03-01T11:00:00Z");
        TrainingJob job = TrainingRecords.job(T + "-round-4", T, 4, t0);
        try (TrainingRecords records = new TrainingRecords()) {
            records.send(job);
            signIn();
            open("training");
            By row = By.cssSelector("tr.job[data-job='" + job.jobId() + "']");
            browser.await(
                    BOUND, d -> d.findElement(row).getAttribute("data-state").equals("QUEUED"));
            page.findElement(row).click();

            long total = 24;
            records.report(TrainingProgress.of(
                    job, TrainingProgress.Phase.STARTING, 0, 0, null, 0, null, "on cpu", t0.plusSeconds(1)));
            for (long step = 2; step <= 12; step += 2) {
                records.step(job, step, total, 1.4 * Math.exp(-step / 10.0) + 0.3, t0.plusSeconds(1 + step));
            }
            browser.await(
                    BOUND, d -> d.findElement(row).getAttribute("data-state").equals("RUNNING"));
            assertThat(page.findElement(By.id("overview-jobs")).getAttribute("textContent"))
                    .as("the overview counts it too")
                    .matches("[1-9][0-9]* running");
            browser.await(
                    BOUND, d -> "6".equals(d.findElement(By.id("job-curve")).getAttribute("data-points")));
            assertThat(page.findElements(By.cssSelector("#job-curve circle.plot-point")))
                    .hasSize(6);
            assertThat(page.findElement(row).getText()).contains("12/24", "TRAINING");
            browser.screenshot("training");

            for (long step = 14; step <= total; step += 2) {
                records.step(job, step, total, 1.4 * Math.exp(-step / 10.0) + 0.3, t0.plusSeconds(1 + step));
            }
            browser.await(
                    BOUND, d -> "12".equals(d.findElement(By.id("job-curve")).getAttribute("data-points")));
            records.report(TrainingProgress.of(
                    job, TrainingProgress.Phase.DONE, total, total, 0.4, 40, 0.0, "published v4", t0.plusSeconds(30)));
            browser.await(
                    BOUND, d -> d.findElement(row).getAttribute("data-state").equals("DONE"));
            assertThat(page.findElement(row).getText()).contains("published v4", "24/24");
            assertThat(Integer.parseInt(page.findElement(By.id("jobs-done")).getText()))
                    .isGreaterThanOrEqualTo(1);
        }
    }
}
