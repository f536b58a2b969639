package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.TrustedWorkerKeys;
import dev.engram.tools.testing.ChildWorker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class WorkerCommandTest {

    @Test
    void workerIsACommandWithItsOptions() {
        StringWriter text = new StringWriter();
        CommandLine cli = EngramCli.commandLine();
        cli.setOut(new PrintWriter(text));
        assertThat(cli.execute("worker", "--help")).isZero();
        assertThat(text.toString())
                .contains(
                        "--bootstrap",
                        "--attempts",
                        "--job-timeout",
                        "--session-timeout",
                        "engram-workers",
                        "--trusted-workers",
                        "DIR/worker");
    }

    @Test
    void aWorkerMakesItsSigningKeyOnFirstStartAndSaysWhereItIs(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("worker.log");
        try (ChildWorker worker =
                ChildWorker.start(SharedKafka.bootstrapServers(), TestIds.unique("keys"), "w-keys", log)) {
            String ready = worker.awaitReady(Duration.ofMinutes(2));
            Path data = tmp.resolve("w-keys-data").resolve("worker");
            String id =
                    TrustedWorkerKeys.load(data.resolve("worker-key.pub")).ids().get(0);
            assertThat(ready).contains("signing key " + id + " in " + data.resolve("worker-key.pub"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("worker-key.pem"))))
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void withoutBrokerOrNodeItSaysWhy(@TempDir Path empty) {
        StringWriter err = new StringWriter();
        CommandLine cli = EngramCli.commandLine();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("worker", "--data", empty.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("no --bootstrap and no running node in");
    }
}
