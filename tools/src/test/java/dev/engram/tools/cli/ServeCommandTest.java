package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code engram serve}'s registry options: documented, and rejected before anything starts when out of range. */
class ServeCommandTest {

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = EngramCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheGateMarginsAndTheFilesKeptWithTheirDefaults() {
        Run help = run("serve", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out())
                .contains(
                        "--min-held-out-gain",
                        "default: 0.0",
                        "--max-retention-loss",
                        "default: 0.01",
                        "--adapter-versions-kept",
                        "default: 5",
                        "--trusted-workers",
                        "worker-key.pub");
    }

    @Test
    void trustedWorkersThatAreNotKeysFailNamingTheFileAndLineBeforeANodeStarts() throws Exception {
        Run missing = run(
                "serve",
                "--data",
                tmp.toString(),
                "--trusted-workers",
                tmp.resolve("nope").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("trusted worker keys: " + tmp.resolve("nope") + " does not exist");
        Path file = java.nio.file.Files.writeString(tmp.resolve("trusted"), "# workers\nssh-rsa AAAA me@host\n");
        Run bad = run("serve", "--data", tmp.toString(), "--trusted-workers", file.toString());
        assertThat(bad.err()).contains(file + " line 2");
        assertThat(tmp.resolve("kafka")).doesNotExist();
    }

    @Test
    void badMarginsFailNamingTheSettingBeforeANodeStarts() {
        Run gain = run("serve", "--data", tmp.toString(), "--min-held-out-gain", "2");
        assertThat(gain.code()).isEqualTo(1);
        assertThat(gain.err()).contains("promotionGate.minHeldOutGain must be in [-1, 1]");
        Run loss = run("serve", "--data", tmp.toString(), "--max-retention-loss", "-0.1");
        assertThat(loss.err()).contains("promotionGate.maxRetentionLoss");
        Run kept = run("serve", "--data", tmp.toString(), "--adapter-versions-kept", "0");
        assertThat(kept.err()).contains("nodeConfig.adapterVersionsKept");
        assertThat(tmp.resolve("kafka")).doesNotExist();
    }

    @Test
    void clusterOptionsAreCheckedBeforeANodeStarts() {
        Run noBroker = run("serve", "--data", tmp.toString(), "--cluster-port", "0");
        assertThat(noBroker.code()).isEqualTo(1);
        assertThat(noBroker.err()).contains("nodeConfig.cluster needs a broker that every node shares");
        Run badSeed =
                run("serve", "--data", tmp.toString(), "--bootstrap", "127.0.0.1:1", "--cluster-seed", "somewhere");
        assertThat(badSeed.code()).isEqualTo(1);
        assertThat(badSeed.err()).contains("clusterConfig.seeds: 'somewhere' is not host:port");
        Run slowHeartbeat = run(
                "serve",
                "--data",
                tmp.toString(),
                "--bootstrap",
                "127.0.0.1:1",
                "--cluster-port",
                "0",
                "--cluster-session-timeout",
                "6",
                "--cluster-heartbeat",
                "3");
        assertThat(slowHeartbeat.code()).isEqualTo(1);
        assertThat(slowHeartbeat.err())
                .contains("clusterConfig.heartbeatInterval (PT3S) must be at most a third of sessionTimeout (PT6S)");
        Run noDowning = run(
                "serve",
                "--data",
                tmp.toString(),
                "--bootstrap",
                "127.0.0.1:1",
                "--cluster-port",
                "0",
                "--cluster-down-after",
                "0");
        assertThat(noDowning.err()).contains("clusterConfig.downAfter must be positive");
        assertThat(run("serve", "--help").out())
                .contains(
                        "--cluster-port",
                        "--cluster-seed",
                        "--cluster-host",
                        "--cluster-session-timeout",
                        "--cluster-heartbeat",
                        "--cluster-down-after");
        assertThat(tmp.resolve("kafka")).doesNotExist();
    }
}
