package dev.engram.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.runtime.EngramClient;
import dev.engram.runtime.NodeHealth;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo end to end: a real embedded KRaft broker, a real node, the 1,400 abstracts through
 * {@code engram.feedback}, 225 recalls over HTTP, figures printed; then, as {@code --console} does,
 * the node held up with its console's URL and admin key printed, and both working.
 */
class CranfieldDemoTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void sendsCranfieldThroughTheNodeAndPrintsSaneBm25Figures() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        DemoOptions options =
                DemoOptions.defaults().withDataDir(dir.resolve("demo")).withProgressBars(false);

        // --console: while the node is held up, its console and the printed admin key work.
        AtomicReference<String> console = new AtomicReference<>();
        AtomicReference<NodeHealth> health = new AtomicReference<>();
        DemoResult result = new CranfieldDemo(options, out).execute(new ConsoleHold(out, () -> {
            String shown = bytes.toString(StandardCharsets.UTF_8);
            String url = printedAfter(shown, "  console     ");
            String key = printedAfter(shown, "  admin key   ");
            try (InputStream page = URI.create(url).toURL().openStream();
                    EngramClient client = EngramClient.builder()
                            .nodeUrl(URI.create(url.replace("/console/", "")))
                            .apiKey(key)
                            .agentId("demo-test")
                            .build()) {
                console.set(new String(page.readAllBytes(), StandardCharsets.UTF_8));
                health.set(client.health());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        assertThat(console.get()).contains("<title>Engram console</title>", "id=\"api-key\"");
        assertThat(health.get().assignedPartitions())
                .as("the printed key is the node's admin key: /health tells it everything")
                .isNotEmpty();

        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("1400/1400 100%", "225/225 100%", "nDCG@10", "R@100", "MRR@10");
        String row = printed.lines()
                .filter(l -> l.contains("BM25, all queries"))
                .findFirst()
                .orElseThrow();
        // "  BM25, all queries    225   0.3675 0.3983 0.7358  0.5270"
        double[] figures = Arrays.stream(
                        row.replace("BM25, all queries", "").trim().split("\\s+"))
                .mapToDouble(Double::parseDouble)
                .toArray();
        assertThat(figures[0]).isEqualTo(225);
        double ndcg10 = figures[1];
        double recall10 = figures[2];
        double recall100 = figures[3];
        double mrr10 = figures[4];
        // DESIGN.md: BM25 (k1 1.2, b 0.75, Porter, stopwords) ≈ .36-.37 nDCG@10 on Cranfield
        assertThat(ndcg10).isBetween(0.30, 0.45);
        assertThat(recall10).isBetween(0.30, 0.50);
        assertThat(recall100).isBetween(0.60, 0.90).isGreaterThan(recall10);
        assertThat(mrr10).isBetween(0.40, 0.70);
        assertThat(result.allQueries().meanNdcgAt10()).isCloseTo(ndcg10, org.assertj.core.data.Offset.offset(5e-5));
        assertThat(result.heldOut())
                .hasSize(2)
                .allSatisfy(h -> assertThat(h.queryCount()).isEqualTo(90));
        assertThat(result.documents()).isEqualTo(1400);
    }

    private static String printedAfter(String printed, String prefix) {
        return printed.lines()
                .filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length()).strip())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line '" + prefix + "...' in " + printed));
    }
}
