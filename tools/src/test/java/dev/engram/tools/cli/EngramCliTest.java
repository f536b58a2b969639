package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.EngramNode;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.DeadLetterTopic;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.SharedNode;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code engram} command line against a running node on the shared broker. */
class EngramCliTest {

    /** What one command run printed and returned. */
    record Run(int exitCode, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = EngramCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String line(FeedbackEvent e) {
        return new String(EventCodec.encode(e), StandardCharsets.UTF_8);
    }

    @Test
    void produceSendsEveryLineAndReportsInvalidOnesByLineNumber(@TempDir Path dir) throws Exception {
        EngramNode node = SharedNode.get();
        String tenant = TestIds.unique("cli");
        Instant t = Instant.parse("2026-03-01T00:00:00Z");
        String invalid = "{\"schemaVersion\": 1, \"eventId\": \"" + tenant + "-bad\", \"tenant\": \"" + tenant
                + "\", \"agentId\": \"a\", \"timestamp\": \"2026-03-01T00:00:00Z\", \"task\": \"x\", \"reward\": 7}";
        Path file = dir.resolve("events.jsonl");
        Files.write(
                file,
                List.of(
                        line(FeedbackEvent.of(
                                tenant + "-1",
                                tenant,
                                "a",
                                t,
                                "tune the wing flutter damper",
                                "add mass",
                                "flutter gone",
                                0.9,
                                List.of())),
                        line(FeedbackEvent.of(
                                tenant + "-2", tenant, "a", t, "heated wing boundary layer", "", "", 0.2, List.of())),
                        invalid,
                        "",
                        line(FeedbackEvent.of(
                                tenant + "-3", tenant, "a", t, "shock wave on the nozzle", "", "", 0.6, List.of()))),
                StandardCharsets.UTF_8);

        Run run = run("produce", file.toString(), "--bootstrap", node.bootstrapServers());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("sent 4 events", "4 acknowledged", "1 invalid");
        assertThat(run.err()).contains("line 3: reward:", "produce  [", "4/4 100%");
        Await.until(
                "the produced cases to be stored",
                Duration.ofMinutes(2),
                () -> node.store().count(tenant) == 3);
        Await.until(
                "the invalid line to be dead-lettered",
                Duration.ofMinutes(1),
                () -> DeadLetterTopic.readAll(SharedKafka.bootstrapServers()).stream()
                        .anyMatch(l -> new String(l.original(), StandardCharsets.UTF_8).equals(invalid)));

        Run recall = run(
                "recall",
                "--tenant",
                tenant,
                "--node",
                node.httpUrl(),
                "--key-file",
                adminKeyFile(dir),
                "--k",
                "5",
                "wing",
                "flutter");
        assertThat(recall.exitCode()).as(recall.err()).isZero();
        assertThat(recall.out())
                .contains(
                        "for tenant " + tenant,
                        "Positives (",
                        "Negatives (",
                        tenant + "-1",
                        "tune the wing flutter damper",
                        "why");

        // Without --key-file: the admin key of the node running on --data.
        Run json = run(
                "recall",
                "--tenant",
                tenant,
                "--node",
                node.httpUrl(),
                "--data",
                node.config().dataDir().toString(),
                "--json",
                "wing");
        assertThat(json.exitCode()).isZero();
        assertThat(json.out()).contains("\"adapterVersion\":\"base\"", "\"positives\"");
    }

    /** The shared node's admin key in a file of its own, as {@code --key-file} takes it. */
    static String adminKeyFile(Path dir) throws java.io.IOException {
        return Files.writeString(dir.resolve("admin-" + System.nanoTime() + ".key"), SharedNode.adminKey())
                .toString();
    }

    @Test
    void recallExplainsBadRequestsMissingKeysAndMissingNodes(@TempDir Path dir) throws Exception {
        EngramNode node = SharedNode.get();
        String key = adminKeyFile(dir);

        Run badK =
                run("recall", "--tenant", "acme", "--node", node.httpUrl(), "--key-file", key, "--k", "0", "anything");
        Run badTenant = run("recall", "--tenant", "Not Valid", "--node", node.httpUrl(), "--key-file", key, "anything");
        Run noNode = run("recall", "--tenant", "acme", "--node", "http://127.0.0.1:1", "anything");
        Run noKey = run(
                "recall",
                "--tenant",
                "acme",
                "--node",
                node.httpUrl(),
                "--data",
                dir.resolve("none").toString(),
                "anything");

        assertThat(noKey.exitCode()).isEqualTo(2);
        assertThat(noKey.err()).contains("HTTP 401", "--key-file", "ENGRAM_API_KEY");

        assertThat(badK.exitCode()).isEqualTo(2);
        assertThat(badK.err()).contains("[field: k]", "HTTP 400");
        assertThat(badTenant.exitCode()).isEqualTo(2);
        assertThat(badTenant.err()).contains("[field: tenant]");
        assertThat(noNode.exitCode()).isEqualTo(3);
        assertThat(noNode.err()).contains("no node answering at http://127.0.0.1:1");
    }

    @Test
    void recallSearchesInTheModeAskedForAndAdaptersAreListed(@TempDir Path dir) throws Exception {
        EngramNode node = SharedNode.get();
        String key = adminKeyFile(dir);
        String tenant = TestIds.unique("cli-mode").toLowerCase().replaceAll("[^a-z0-9_-]", "-");

        Run bm25 = run(
                "recall",
                "--tenant",
                tenant,
                "--node",
                node.httpUrl(),
                "--key-file",
                key,
                "--mode",
                "bm25",
                "wing",
                "flutter");
        Run bm25Json = run(
                "recall",
                "--tenant",
                tenant,
                "--node",
                node.httpUrl(),
                "--key-file",
                key,
                "--mode",
                "BM25",
                "--json",
                "wing");
        Run dense = run(
                "recall", "--tenant", tenant, "--node", node.httpUrl(), "--key-file", key, "--mode", "dense", "wing");
        Run unknown = run(
                "recall", "--tenant", tenant, "--node", node.httpUrl(), "--key-file", key, "--mode", "sparse", "wing");

        assertThat(bm25.exitCode()).as(bm25.err()).isZero();
        assertThat(bm25.out()).contains("cases for tenant " + tenant + " (bm25, adapter base");
        assertThat(bm25Json.exitCode()).as(bm25Json.err()).isZero();
        assertThat(bm25Json.out()).contains("\"mode\":\"bm25\"", "\"tenant\":\"" + tenant + "\"");
        assertThat(dense.exitCode()).as("the shared node has no embedder").isEqualTo(2);
        assertThat(dense.err()).contains("engram recall: mode 'dense' needs a node with an embedder", "(HTTP 400)");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("--mode", "must be one of hybrid, bm25, dense, was 'sparse'");
        assertThat(run("recall", "--help").out()).contains("--mode", "hybrid, bm25, dense");

        Run listed = run("adapters", "list", "--node", node.httpUrl(), "--key-file", key);
        Run listedJson = run("adapters", "list", "--node", node.httpUrl(), "--key-file", key, "--json");
        Run missing = run("adapters", "list", tenant + "-retriever", "--node", node.httpUrl(), "--key-file", key);
        Run badName = run("adapters", "pin", "Not A Name", "1", "--node", node.httpUrl(), "--key-file", key);
        assertThat(listed.exitCode()).as(listed.err()).isZero();
        assertThat(listed.out()).contains("gate on this node: held-out nDCG@10 gain >= ");
        assertThat(listedJson.out()).contains("\"adapters\":[", "\"gate\":{\"minHeldOutGain\":");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err())
                .contains("engram adapters list: no adapter named '" + tenant + "-retriever'", "(HTTP 404)");
        assertThat(badName.exitCode()).isEqualTo(2);
        assertThat(badName.err()).contains("engram adapters pin: name must match", "was 'Not A Name' [field: name]");
    }

    @Test
    void produceWithoutABrokerToFindSaysWhatToDo(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("e.jsonl"), "{}\n");

        Run run =
                run("produce", file.toString(), "--data", dir.resolve("no-node").toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("no --bootstrap given", "./engram serve");
    }

    @Test
    void usageListsTheCommands() {
        Run help = run("--help");
        Run serveHelp = run("serve", "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("serve", "produce", "recall", "demo", "eval");
        assertThat(serveHelp.out()).contains("--bootstrap", "--data", "--http-port", "default: .engram");
    }
}
