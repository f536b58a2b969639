package dev.engram.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium for the console's browser tests: the system's {@code /usr/bin/chromium} and
 * {@code /usr/bin/chromedriver} (Debian's {@code chromium} and {@code chromium-driver}; other paths
 * with {@code -Dengram.chromium=} and {@code -Dengram.chromedriver=}), never a downloaded one. Without
 * them the calling test is skipped with a message, not failed.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final Path BROWSER = Path.of(System.getProperty("engram.chromium", "/usr/bin/chromium"));
    private static final Path DRIVER = Path.of(System.getProperty("engram.chromedriver", "/usr/bin/chromedriver"));
    /** Where screenshots go; {@code -Dengram.console.screenshots=docs/console} refreshes the README's. */
    private static final Path SCREENSHOTS =
            Path.of(System.getProperty("engram.console.screenshots", "target/console-screenshots"));

    private final ChromeDriver driver;

    private HeadlessChromium(ChromeDriver driver) {
        this.driver = driver;
    }

    /** Skips the calling test (or class, from {@code @BeforeAll}) when the browser or its driver is missing. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(
                Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER),
                () -> "no browser for the "
                        + "console's tests: " + BROWSER + " or " + DRIVER + " is missing (apt-get install chromium "
                        + "chromium-driver); skipped");
    }

    /** Starts a browser with a fresh profile in {@code profile}, or skips the test when none is installed. */
    public static HeadlessChromium start(Path profile) {
        assumeInstalled();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1400,1000",
                "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new HeadlessChromium(new ChromeDriver(service, options));
    }

    public WebDriver driver() {
        return driver;
    }

    /**
     * Waits at most {@code bound} for {@code condition} to be non-null and not false. A live view
     * replaces its rows as events arrive, so an element the condition found a moment ago may be gone:
     * such a stale reference counts as "not yet" and the condition is asked again.
     */
    public <T> T await(Duration bound, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, bound)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition);
    }

    /** Saves what the browser shows as {@code name}.png in the screenshots folder. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
