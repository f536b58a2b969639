package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.node.testing.TlsFiles;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.tools.cli.EngramCliTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a node that serves its HTTP API over TLS, and {@code serve}'s TLS options. */
class TlsCliTest {

    @Test
    void theCliCallsATlsNodeWithItsTrustStoreAndSaysWhatToDoWithout(@TempDir Path dir) throws Exception {
        TlsFiles tls = TlsFiles.generate(dir.resolve("tls"));
        NodeConfig config = NodeConfig.builder(dir.resolve("node"))
                .bootstrapServers(SharedKafka.bootstrapServers())
                .groupId(TestIds.unique("tls-cli"))
                .httpPort(0)
                .tuning(TuningSchedulerConfig.disabled())
                .httpTls(tls.keyStore(), tls.passwordFile())
                .build();
        try (EngramNode node = EngramNode.start(config)) {
            Path key = Files.writeString(
                    dir.resolve("admin.key"), node.localAdminKey().orElseThrow());
            String tenant = TestIds.unique("tls");

            Run trusted = EngramCliTest.run(
                    "recall",
                    "--tenant",
                    tenant,
                    "--node",
                    node.httpUrl(),
                    "--key-file",
                    key.toString(),
                    "--tls-truststore",
                    tls.trustStore().toString(),
                    "--tls-truststore-password-file",
                    tls.trustPasswordFile().toString(),
                    "a task over TLS");
            Run untrusted = EngramCliTest.run(
                    "recall", "--tenant", tenant, "--node", node.httpUrl(), "--key-file", key.toString(), "a task");

            assertThat(trusted.exitCode()).as(trusted.err()).isZero();
            assertThat(untrusted.exitCode()).isEqualTo(3);
            assertThat(untrusted.err()).contains("no TLS connection to " + node.httpUrl(), "--tls-truststore");
        }
    }

    @Test
    void serveRefusesAKeystoreWithoutItsPasswordFileAndAWrongPasswordBeforeANodeStarts(@TempDir Path dir)
            throws Exception {
        TlsFiles tls = TlsFiles.generate(dir.resolve("tls"));
        Path wrong = Files.writeString(dir.resolve("wrong.pass"), "not-it\n");

        Run alone = EngramCliTest.run(
                "serve",
                "--data",
                dir.resolve("a").toString(),
                "--tls-keystore",
                tls.keyStore().toString());
        Run wrongPassword = EngramCliTest.run(
                "serve",
                "--data",
                dir.resolve("b").toString(),
                "--tls-keystore",
                tls.keyStore().toString(),
                "--tls-password-file",
                wrong.toString());

        assertThat(alone.exitCode()).isEqualTo(2);
        assertThat(alone.err()).contains("--tls-keystore and --tls-password-file go together");
        assertThat(wrongPassword.exitCode()).isNotZero();
        assertThat(wrongPassword.err()).contains(tls.keyStore().toString(), "password");
        assertThat(dir.resolve("b").resolve("kafka")).as("no broker started").doesNotExist();
    }
}
