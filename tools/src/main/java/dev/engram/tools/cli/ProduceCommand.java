package dev.engram.tools.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.streams.EventCodec;
import dev.engram.streams.EventLimits;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.InvalidEventException;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import dev.engram.tools.internal.ProgressBar;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code engram produce FILE.jsonl}: sends one feedback event per non-blank line to
 * {@code engram.feedback} (with {@code --feedback-layout per-tenant}: to its tenant's
 * {@code engram.feedback.<tenant>}), keyed by tenant; {@code --kafka-properties} for a secured cluster.
 *
 * <p>Invalid lines are <b>sent as they are</b>: the node is the one place that validates, so every
 * producer (in any language) meets the same rules, and the node dead-letters them to
 * {@code engram.dead-letters} with the reason and their offset. {@code produce} still checks each
 * line locally and warns with its line number and the reason, so you know before you look at the
 * dead-letter topic.
 */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        header = "Send feedback events from a JSON-lines file to engram.feedback.",
        description = {
            "Send feedback events (one JSON FeedbackEvent per line) to engram.feedback, keyed by tenant.",
            "Invalid lines are sent too: the node dead-letters them to engram.dead-letters with the reason.",
            "They are also reported here with their line numbers."
        })
final class ProduceCommand implements Callable<Integer> {

    private static final int MAX_REPORTED = 20;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.jsonl", description = "Events, one JSON object per line.")
    Path file;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Kafka cluster; default: the broker of the node running in --data.")
    String bootstrap;

    @Option(
            names = "--data",
            defaultValue = ".engram",
            paramLabel = "DIR",
            description = "Data directory of a running 'engram serve', to find its broker (default: ${DEFAULT-VALUE}).")
    Path data;

    @Mixin
    KafkaPropertiesOption kafkaProperties;

    @Option(
            names = "--feedback-layout",
            defaultValue = "shared",
            paramLabel = "LAYOUT",
            converter = FeedbackLayoutConverter.class,
            description = {
                "shared: send to engram.feedback (default); per-tenant: send each event to its tenant's",
                "engram.feedback.<tenant> (what a node with --feedback-layout per-tenant reads)."
            })
    FeedbackTopicLayout feedbackLayout;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(file)) {
            err.println("engram produce: no such file: " + file);
            return 2;
        }
        String servers = bootstrap != null
                ? bootstrap
                : NodeInfo.read(data).map(NodeInfo::bootstrapServers).orElse(null);
        if (servers == null) {
            err.println("engram produce: no --bootstrap given and no running node found in "
                    + data.resolve(NodeInfo.FILE) + "; start one with './engram serve' or pass --bootstrap HOST:PORT");
            return 2;
        }
        KafkaConnection kafka = kafkaProperties.connection(servers);
        Set<String> tenants = new TreeSet<>();
        long total = countEvents(file, tenants);
        // A producer without CREATE rights (one tenant's credentials) leaves this to the operator.
        TopicAdmin.ensureTopics(
                kafka,
                feedbackLayout == FeedbackTopicLayout.SHARED
                        ? Topics.all()
                        : tenants.stream().map(Topics::tenantFeedbackSpec).toList());

        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        List<String> invalidLines = new ArrayList<>();
        long invalid = 0;
        long unroutable = 0;
        long sent = 0;
        long started = System.nanoTime();
        ProgressBar bar = new ProgressBar(err, "produce", total, System.console() != null);
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka);
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
                if (feedbackLayout == FeedbackTopicLayout.PER_TENANT
                        && (key == null
                                || !EventLimits.TENANT_PATTERN.matcher(key).matches())) {
                    // No tenant, no topic: this layout has no shared topic for the node to dead-letter it from.
                    unroutable++;
                    if (invalidLines.size() < MAX_REPORTED) {
                        invalidLines.add("  line " + lineNo + ": not sent: no valid tenant to choose its topic by");
                    }
                    continue;
                }
                long thisLine = lineNo;
                String topic =
                        feedbackLayout == FeedbackTopicLayout.SHARED ? Topics.FEEDBACK : Topics.tenantFeedback(key);
                producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
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
        bar.finish(
                acked.get(),
                String.format(java.util.Locale.ROOT, "%,.0f/s", acked.get() / Math.max(1e-9, bar.elapsedSeconds())));
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf(
                "sent %,d events to %s in %.1f s: %,d acknowledged, %,d failed; %,d invalid (the node will "
                        + "dead-letter them to %s)%n",
                sent,
                feedbackLayout == FeedbackTopicLayout.SHARED
                        ? Topics.FEEDBACK
                        : Topics.TENANT_FEEDBACK_PREFIX + "<tenant>",
                seconds,
                acked.get(),
                failed.get(),
                invalid,
                Topics.DEAD_LETTERS);
        if (!invalidLines.isEmpty()) {
            err.println("invalid lines" + (invalid > invalidLines.size() ? " (first " + invalidLines.size() + ")" : "")
                    + ":");
            invalidLines.forEach(err::println);
        }
        if (unroutable > 0) {
            err.println("engram produce: " + unroutable + " lines were not sent: they name no valid tenant, so they "
                    + "have no topic in the per-tenant layout");
        }
        if (failed.get() > 0) {
            err.println(
                    "engram produce: " + failed.get() + " events were not sent; first failure: " + firstFailure.get());
            return 1;
        }
        out.flush();
        err.flush();
        return 0;
    }

    /** The events in {@code file}; the valid tenants they name go into {@code tenants}. */
    private static long countEvents(Path file, Set<String> tenants) throws IOException {
        long events = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                events++;
                String tenant = tenantOf(line.getBytes(StandardCharsets.UTF_8));
                if (tenant != null && EventLimits.TENANT_PATTERN.matcher(tenant).matches()) {
                    tenants.add(tenant);
                }
            }
        }
        return events;
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
