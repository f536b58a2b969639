package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.EngramNode;
import dev.engram.node.testing.HeadlessChromium;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TenantFixture;
import dev.engram.node.testing.TestIds;
import java.nio.file.Path;
import java.time.Duration;
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
 * The console's tenant views in a real browser (headless Chromium) against a running node fed
 * through Kafka: a tenant's cases, polarity, feedback and versions with its quality trend; the
 * quality plot of every promoted version and the share of recalled cases judged useful; the audit
 * trail of an operator's pin.
 */
class ConsoleTenantsBrowserTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final String T = TestIds.unique("console-tenants");
    private static EngramNode node;

    @TempDir
    Path profile;

    private HeadlessChromium browser;
    private WebDriver page;

    @BeforeAll
    static void aTenantWithJudgedCasesAndTwoPromotedVersions() {
        HeadlessChromium.assumeInstalled();
        node = SharedNode.get();
        TenantFixture.create(node, T);
    }

    @BeforeEach
    void openBrowser() {
        browser = HeadlessChromium.start(profile);
        page = browser.driver();
        page.get(node.httpUrl() + "/console");
        browser.await(BOUND, d -> d.findElement(By.id("api-key")).isDisplayed());
        page.findElement(By.id("api-key")).sendKeys(SharedNode.adminKey());
        page.findElement(By.id("login-button")).click();
        browser.await(BOUND, d -> d.findElement(By.id("app")).isDisplayed());
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    private void open(String view) {
        page.findElement(By.cssSelector("nav a[data-view='" + view + "']")).click();
        browser.await(BOUND, d -> d.findElement(By.id("view-" + view)).isDisplayed());
    }

    @Test
    void theTenantsViewShowsCasesPolarityFeedbackVersionsAndTheQualityTrend() {
        open("tenants");
        WebElement row = browser.await(BOUND, d -> d.findElement(By.cssSelector("tr.tenant[data-tenant='" + T + "']")));
        assertThat(row.getText()).contains("3 / 1", "75.0%", "2 cases, 3 judgements", T + "-retriever");
        assertThat(row.findElement(By.cssSelector("td.useful-share")).getText()).isEqualTo("66.7%");
        assertThat(row.findElement(By.cssSelector("td.serving-version")).getText())
                .isEqualTo("v2");
        assertThat(row.findElements(By.cssSelector(".spark circle.plot-point")))
                .as("the base before v1, v1 and v2")
                .hasSize(3);
        browser.screenshot("tenants");
    }

    @Test
    void theAuditViewListsAnOperatorsPinWithItsReason() {
        HttpCalls.Answer pin = HttpCalls.as(SharedNode.adminKey())
                .post(
                        node.httpUrl() + "/v1/adapters/" + T + "-retriever/pin",
                        "{\"version\": 2, \"reason\": \"hold v2 over the weekend\"}");
        assertThat(pin.status()).as(pin.body()).isEqualTo(202);
        open("audit");
        WebElement entry = browser.await(
                BOUND,
                d -> d.findElement(By.cssSelector(
                        "tr.audit-entry[data-action='adapter.pin'][data-target='" + T + "-retriever']")));
        assertThat(entry.getText()).contains("admin (admin)", T, "hold v2 over the weekend", "version 2");
        browser.screenshot("audit");
    }

    @Test
    void theQualityViewPlotsEachPromotedVersionAndTheUsefulShare() {
        open("quality");
        WebElement series = browser.await(
                BOUND, d -> d.findElement(By.cssSelector("#quality-ndcg g.plot-series[data-series='" + T + "']")));
        assertThat(series.findElements(By.cssSelector("circle.plot-point"))).hasSize(3);
        assertThat(series.findElements(By.tagName("title")))
                .extracting(e -> e.getAttribute("textContent"))
                .containsExactly(
                        T + ": v0 (the base, before v1), 0.400",
                        T + ": v1 at 2026-03-01T10:00:01Z, 0.410",
                        T + ": v2 at 2026-03-01T10:00:02Z, 0.430");
        // The x axis is time: the base is drawn at v1's time, v2 a second later. Other tenants of the
        // shared node may stretch the axis over months, where a second is less than a pixel, so the
        // check is that position follows time over every point drawn, and strictly so when the
        // axis spans at most a minute.
        List<WebElement> ours = series.findElements(By.cssSelector("circle.plot-point"));
        List<Double> t = ours.stream()
                .map(c -> Double.parseDouble(c.getAttribute("data-x")))
                .toList();
        List<Double> x =
                ours.stream().map(c -> Double.parseDouble(c.getAttribute("cx"))).toList();
        assertThat(t.get(1) - t.get(0)).isZero();
        assertThat(t.get(2) - t.get(1)).isEqualTo(1000.0);
        assertThat(x.get(0)).isEqualTo(x.get(1));
        List<double[]> all = page.findElements(By.cssSelector("#quality-ndcg circle.plot-point")).stream()
                .map(c -> new double[] {
                    Double.parseDouble(c.getAttribute("data-x")), Double.parseDouble(c.getAttribute("cx"))
                })
                .sorted(java.util.Comparator.comparingDouble((double[] p) -> p[0]))
                .toList();
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i)[1])
                    .as("x of the point made at %s", all.get(i)[0])
                    .isGreaterThanOrEqualTo(all.get(i - 1)[1]);
        }
        double span = all.get(all.size() - 1)[0] - all.get(0)[0];
        assertThat(all.get(all.size() - 1)[1])
                .as("the newest point is right of the oldest")
                .isGreaterThan(all.get(0)[1]);
        if (span <= 60_000) {
            assertThat(x.get(2)).isGreaterThan(x.get(1));
        }
        WebElement useful = page.findElement(By.cssSelector("#quality-useful tr[data-tenant='" + T + "']"));
        assertThat(useful.getText())
                .contains("66.7%", "2 of 3", "v1 0.410 (+1.00 pts, n 40)", "v2 0.430 (+2.00 pts, n 44)");
        browser.screenshot("quality");
    }
}
