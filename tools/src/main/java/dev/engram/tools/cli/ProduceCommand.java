package dev.engram.tools.cli;

import dev.engram.tools.internal.ProgressBar;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.streams.EventCodec;
import dev.engram.streams.InvalidEventException;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code engram produce FILE.jsonl}: sends one feedback event per non-blank line to
 * {@code engram.feedback}, keyed by tenant.
 *
 * <p>Invalid lines are <b>sent as they are</b>: the node is the one place that validates, so every
 * producer (in any language) meets the same rules, and the node dead-letters them to
 * {@code engram.dead-letters} with the reason and their offset. {@code produce} still checks each
 * line locally and warns with its line number and the reason, so you know before you look at the
 * dead-letter topic.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        header = "Send feedback events from a JSON-lines file to engram.feedback.",
        description = {
            "Send feedback events (one JSON FeedbackEvent per line) to engram.feedback, keyed by tenant.",
            "Invalid lines are sent too: the node dead-letters them to engram.dead-letters with the reason.",
            "They are also reported here with their line numbers."})
final class ProduceCommand implements Callable<Integer> {

    private static final int MAX_REPORTED = 20;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.jsonl", description = "Events, one JSON object per line.")
    Path file;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka cluster; default: the broker of the node running in --data.")
    String bootstrap;

    @Option(names = "--data", defaultValue = ".engram", paramLabel = "DIR",
            description = "Data directory of a running 'engram serve', to find its broker (default: ${DEFAULT-VALUE}).")
    Path data;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(file)) {
            err.println("engram produce: no such file: " + file);
            return 2;
        }
        String servers = bootstrap != null ? bootstrap : NodeInfo.read(data).map(NodeInfo::bootstrapServers)
                .orElse(null);
        if (servers == null) {
            err.println("engram produce: no --bootstrap given and no running node found in " + data.resolve(NodeInfo.FILE)
                    + "; start one with './engram serve' or pass --bootstrap HOST:PORT");
            return 2;
        }
        long total = countEvents(file);
        TopicAdmin.ensureTopics(servers, Topics.all());

        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        List<String> invalidLines = new ArrayList<>();
        long invalid = 0;
        long sent = 0;
        long started = System.nanoTime();
        ProgressBar bar = new ProgressBar(err, "produce", total, System.console() != null);
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(servers);
                BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                byte[] value = line.getBytes(StandardCharsets.UTF_8);
                String key;
                try {
                    key = EventCodec.decodeFeedback(value).tenant();
                } catch (InvalidEventException e) {
                    invalid++;
                    if (invalidLines.size() < MAX_REPORTED) {
                        invalidLines.add("  line " + lineNo + ": " + e.getMessage());
                    }
                    key = tenantOf(value);
                }
                long thisLine = lineNo;
                producer.send(new ProducerRecord<>(Topics.FEEDBACK, key, value), (metadata, error) -> {
                    if (error == null) {
                        acked.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, "line " + thisLine + ": " + error);
                    }
                });
                sent++;
                bar.update(acked.get());
            }
            producer.flush();
        }
        bar.finish(acked.get(), String.format(java.util.Locale.ROOT, "%,.0f/s", acked.get() / Math.max(1e-9, bar.elapsedSeconds())));
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf("sent %,d events to %s in %.1f s: %,d acknowledged, %,d failed; %,d invalid (the node will "
                + "dead-letter them to %s)%n", sent, Topics.FEEDBACK, seconds, acked.get(), failed.get(), invalid,
                Topics.DEAD_LETTERS);
        if (!invalidLines.isEmpty()) {
            err.println("invalid lines" + (invalid > invalidLines.size() ? " (first " + invalidLines.size() + ")" : "")
                    + ":");
            invalidLines.forEach(err::println);
        }
        if (failed.get() > 0) {
            err.println("engram produce: " + failed.get() + " events were not sent; first failure: " + firstFailure.get());
            return 1;
        }
        out.flush();
        err.flush();
        return 0;
    }

    private static long countEvents(Path file) throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(l -> !l.isBlank()).count();
        }
    }

    /** The tenant of a line that is not a valid event, if it has a textual one, so it lands with its tenant. */
    private static String tenantOf(byte[] value) {
        try {
            JsonNode tenant = EventCodec.mapper().readTree(value).get("tenant");
            return tenant != null && tenant.isTextual() ? tenant.textValue() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
