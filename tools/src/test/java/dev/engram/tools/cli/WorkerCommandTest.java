package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.tools.cli.EngramCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
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
        assertThat(text.toString()).contains("--bootstrap", "--attempts", "--job-timeout", "--session-timeout",
                "engram-workers");
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
