package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.streams.TrustedNodeKeys;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code engram node-key}: a node's public key as a trusted-keys line, the same every time, before the node ever starts. */
class NodeKeyCommandTest {

    @TempDir
    Path tmp;

    private static String run(String... args) {
        CommandLine cli = EngramCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        assertThat(cli.execute(args)).isZero();
        return out.toString();
    }

    @Test
    void printsTheNodesPublicKeyLineWhichAnotherNodeLoadsAsTrusted() throws Exception {
        Path data = tmp.resolve("node-1");
        String line = run("node-key", "--data", data.toString());
        assertThat(line).startsWith("ed25519 ").contains("node-key ed25519:");
        assertThat(run("node-key", "--data", data.toString())).isEqualTo(line);

        Path trusted = Files.writeString(tmp.resolve("trusted-nodes"), "# node-1\n" + line);
        assertThat(TrustedNodeKeys.load(trusted).ids())
                .singleElement()
                .satisfies(id -> assertThat(line).contains(id));
    }

    @Test
    void serveRefusesTrustedNodesThatAreNotKeysBeforeANodeStarts() throws Exception {
        CommandLine cli = EngramCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        Path file = Files.writeString(tmp.resolve("nodes"), "ssh-rsa AAAA me@host\n");
        assertThat(cli.execute("serve", "--data", tmp.toString(), "--trusted-nodes", file.toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("trusted node keys: " + file + " line 1");
        assertThat(tmp.resolve("kafka")).doesNotExist();
    }
}
