package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code engram broker} in a child JVM: prints its bootstrap address, serves Engram's topics, stops
 * cleanly on SIGTERM (what Ctrl-C sends through the shell is SIGINT; both run the shutdown hook),
 * and starts again on the same directory and port with its records and committed offsets.
 */
class BrokerCommandTest {

    private static final String GROUP = "broker-command-test";

    @Test
    void runsInTheForegroundStopsOnSigtermAndRestartsOnTheSameDirectoryAndPort(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path data = dir.resolve("broker");
        String bootstrap = "127.0.0.1:" + port;
        FeedbackEvent event = FeedbackEvent.of(
                "broker-cmd-1",
                "acme",
                "agent",
                Instant.parse("2026-03-01T00:00:00Z"),
                "fix the flutter",
                null,
                null,
                1.0,
                null);

        try (ChildBroker broker = ChildBroker.start(data, port, dir.resolve("broker-1.log"))) {
            assertThat(broker.awaitReady()).isEqualTo(bootstrap);
            try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {
                producer.send(new ProducerRecord<>(Topics.FEEDBACK, "acme", EventCodec.encode(event)))
                        .get(30, TimeUnit.SECONDS);
            }
            try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrap, GROUP)) {
                assertThat(read(consumer, 1))
                        .extracting(r -> EventCodec.decodeFeedback(r.value()).eventId())
                        .containsExactly("broker-cmd-1");
                consumer.commitSync();
            }
            Run second = run("broker", "--data", dir.resolve("other").toString(), "--port", String.valueOf(port));
            assertThat(second.code()).as("a second broker on the same port").isEqualTo(1);
            assertThat(second.err()).contains("cannot listen on " + bootstrap);

            assertThat(broker.stop()).as("exit status after SIGTERM").isIn(0, 143);
            assertThat(broker.log()).doesNotContain("Exception");
        }

        try (ChildBroker broker = ChildBroker.start(data, port, dir.resolve("broker-2.log"))) {
            assertThat(broker.awaitReady()).isEqualTo(bootstrap);
            try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {
                producer.send(new ProducerRecord<>(
                                Topics.FEEDBACK,
                                "acme",
                                EventCodec.encode(FeedbackEvent.of(
                                        "broker-cmd-2",
                                        "acme",
                                        "agent",
                                        Instant.parse("2026-03-01T00:01:00Z"),
                                        "fix the flutter again",
                                        null,
                                        null,
                                        1.0,
                                        null))))
                        .get(30, TimeUnit.SECONDS);
            }
            try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(bootstrap, GROUP)) {
                assertThat(read(consumer, 1))
                        .as("the group resumes after its committed offset: the first record is not read again")
                        .extracting(r -> EventCodec.decodeFeedback(r.value()).eventId())
                        .containsExactly("broker-cmd-2");
            }
            broker.stop();
        }
    }

    @Test
    void helpShowsTheDefaults() {
        Run help = run("broker", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--data", "engram-broker)", "--port", "default: 9092");
        Run bad = run("broker", "--port", "70000");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("port must be in [0, 65535]");
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = EngramCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static List<ConsumerRecord<String, byte[]>> read(KafkaConsumer<String, byte[]> consumer, int count) {
        consumer.subscribe(List.of(Topics.FEEDBACK));
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (records.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** {@code engram broker} in a child JVM with a small heap. */
    private static final class ChildBroker implements AutoCloseable {
        private final Process process;
        private final Path log;
        private final CompletableFuture<String> ready = new CompletableFuture<>();

        private ChildBroker(Process process, Path log) {
            this.process = process;
            this.log = log;
            Thread reader = new Thread(this::readStdout, "child-broker-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static ChildBroker start(Path data, int port, Path log) throws IOException {
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(
                            java,
                            "-Xmx256m",
                            "-XX:TieredStopAtLevel=1",
                            "-cp",
                            System.getProperty("java.class.path"),
                            EngramCli.class.getName(),
                            "broker",
                            "--data",
                            data.toString(),
                            "--port",
                            String.valueOf(port))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ChildBroker(process, log);
        }

        String awaitReady() {
            try {
                return ready.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("broker not ready within 60 s; its log:\n" + log(), e);
            }
        }

        /** SIGTERM, then waits for the exit; returns the exit status. */
        int stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("broker did not stop within 60 s of SIGTERM; its log:\n" + log());
            }
            return process.exitValue();
        }

        String log() {
            try {
                return java.nio.file.Files.readString(log);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        private void readStdout() {
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith(BrokerCommand.READY)) {
                        ready.complete(line.substring(BrokerCommand.READY.length())
                                .trim()
                                .split(" ")[0]);
                    }
                }
            } catch (IOException e) {
                // the child died: awaitReady reports it
            }
            ready.completeExceptionally(new IllegalStateException("the broker exited"));
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
