package dev.engram.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.EngramNode;
import dev.engram.node.testing.HeadlessChromium;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The console's key management in a real browser against a running node: an admin lists the keys,
 * creates one whose secret is shown once and works, sees when it was last used, and revokes it
 * after a confirmation; an operator's key has no such view and the API refuses it.
 */
class ConsoleKeysBrowserTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final String T = TestIds.unique("keys");
    private static EngramNode node;
    private static String adminKey;

    @TempDir
    Path profile;

    private HeadlessChromium browser;
    private WebDriver page;

    @BeforeAll
    static void aNode() {
        HeadlessChromium.assumeInstalled();
        node = SharedNode.get();
        adminKey = SharedNode.adminKey();
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
        page.get(node.httpUrl() + "/console/");
        browser.await(BOUND, d -> d.findElement(By.id("api-key")).isDisplayed());
        page.findElement(By.id("api-key")).sendKeys(key);
        page.findElement(By.id("login-button")).click();
        browser.await(BOUND, d -> d.findElement(By.id("app")).isDisplayed());
    }

    private WebElement row(String principal) {
        return browser.await(
                BOUND, d -> d.findElement(By.cssSelector("tr.api-key[data-principal='" + principal + "']")));
    }

    @Test
    void anAdminCreatesAKeySeenOnceThenRevokesItAfterConfirming() {
        String principal = T + "-bot";
        signIn(adminKey);
        page.findElement(By.cssSelector("nav a[data-view='keys']")).click();
        browser.await(BOUND, d -> d.findElement(By.id("view-keys")).isDisplayed());
        assertThat(row("admin").getText()).contains("admin", "*");

        page.findElement(By.id("key-principal")).sendKeys(principal);
        new Select(page.findElement(By.id("key-role"))).selectByValue("reader");
        page.findElement(By.id("key-tenants")).sendKeys(T);
        page.findElement(By.id("key-create")).click();
        WebElement secretBox = browser.await(BOUND, d -> {
            WebElement box = d.findElement(By.id("key-secret-box"));
            return box.isDisplayed() ? box : null;
        });
        String secret = secretBox.findElement(By.id("key-secret")).getText();
        assertThat(secret).matches("egk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
        assertThat(page.findElement(By.id("key-secret-note")).getText()).contains("only time the key is shown");
        String id = secret.substring(4, 16);
        assertThat(row(principal).getText()).contains(id, "reader", T, "by admin", "not since the node started");

        // The key works, and the list says it was used; the secret is not shown again.
        HttpCalls.Answer whoami = HttpCalls.as(secret).get(node.httpUrl() + "/v1/whoami");
        assertThat(whoami.status()).isEqualTo(200);
        assertThat(whoami.json().path("principal").asText()).isEqualTo(principal);
        page.findElement(By.id("key-secret-hide")).click();
        assertThat(page.findElement(By.id("key-secret-box")).isDisplayed()).isFalse();
        page.findElement(By.id("keys-refresh")).click();
        browser.await(
                BOUND,
                d -> row(principal)
                        .findElement(By.cssSelector("td.last-used"))
                        .getText()
                        .matches("\\d{4}-.*Z"));
        assertThat(page.getPageSource()).doesNotContain(secret);
        browser.screenshot("keys");

        // Cancel leaves it; confirming revokes it, and the node refuses it from then on.
        row(principal).findElement(By.cssSelector("button.revoke")).click();
        browser.await(BOUND, d -> d.findElement(By.id("revoke")).isDisplayed());
        assertThat(page.findElement(By.id("revoke-title")).getText()).isEqualTo("Revoke key " + id + "?");
        page.findElement(By.id("revoke-cancel")).click();
        assertThat(HttpCalls.as(secret).get(node.httpUrl() + "/v1/whoami").status())
                .isEqualTo(200);
        row(principal).findElement(By.cssSelector("button.revoke")).click();
        browser.await(BOUND, d -> d.findElement(By.id("revoke")).isDisplayed());
        page.findElement(By.id("revoke-ok")).click();
        browser.await(
                BOUND,
                d -> d.findElement(By.id("keys-message")).getText().equals("revoked key " + id + " of " + principal));
        browser.await(
                BOUND,
                d -> d.findElements(By.cssSelector("tr.api-key[data-principal='" + principal + "']"))
                        .isEmpty());
        assertThat(HttpCalls.as(secret).get(node.httpUrl() + "/v1/whoami").status())
                .isEqualTo(401);
    }

    @Test
    void anOperatorHasNoKeysViewAndForcingItShowsTheApis403() {
        String operator = HttpCalls.as(adminKey)
                .post(
                        node.httpUrl() + "/v1/keys",
                        "{\"principal\": \"" + T + "-op\", \"role\": \"operator\", \"tenants\": [\"" + T + "\"]}")
                .json()
                .path("key")
                .asText();
        signIn(operator);
        assertThat(page.findElement(By.id("nav-keys")).isDisplayed()).isFalse();
        page.get(node.httpUrl() + "/console/#keys");
        String message = browser.await(BOUND, d -> {
            String text = d.findElement(By.id("keys-message")).getText();
            return text.contains("HTTP") ? text : null;
        });
        assertThat(message).contains("HTTP 403", "role operator", "needs role admin");
    }
}
