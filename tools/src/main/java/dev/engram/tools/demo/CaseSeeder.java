package dev.engram.tools.demo;

import dev.engram.node.EngramNode;
import dev.engram.retriever.eval.Document;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import dev.engram.tools.internal.ProgressBar;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Sends the Cranfield abstracts through {@code engram.feedback} as cases of one tenant and waits
 * until the node has made every one searchable (and, on a node with an embedder, embedded), with a
 * progress bar for each step.
 */
final class CaseSeeder {

    private final PrintStream out;
    private final boolean progressBars;

    CaseSeeder(PrintStream out, boolean progressBars) {
        this.out = out;
        this.progressBars = progressBars;
    }

    /** Tries per event before the demo gives up on the broker. */
    static final int SEND_ATTEMPTS = 3;

    /**
     * How long one try waits for an acknowledgement. Shorter than the clients' default (2 minutes):
     * an event not acknowledged by then is sent again by a new producer.
     */
    static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(45);

    /**
     * Sends one event per document and waits for every acknowledgement. Events that a try could not
     * deliver (a batch expired, the connection broke) are sent again by a new producer, up to
     * {@link #SEND_ATTEMPTS} tries: the node applies an event id once, so an event that did arrive
     * after all is not doubled.
     *
     * @return how long sending took
     */
    Duration produce(KafkaConnection kafka, String tenant, List<Document> docs) {
        return produce(
                () -> KafkaClientFactory.producer(
                        kafka, Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis())),
                Topics.FEEDBACK,
                kafka.describe(),
                tenant,
                docs);
    }

    /**
     * As {@link #produce(KafkaConnection, String, List)}, to {@code topic}, each try with a producer
     * from {@code producers}; {@code where} names the cluster in errors.
     */
    Duration produce(
            Supplier<Producer<String, byte[]>> producers,
            String topic,
            String where,
            String tenant,
            List<Document> docs) {
        ProgressBar bar = new ProgressBar(out, "produce", docs.size(), progressBars);
        AtomicLong acked = new AtomicLong();
        long started = System.nanoTime();
        Instant timestamp = Instant.now();
        List<Document> pending = docs;
        Exception lastFailure = null;
        for (int attempt = 1; attempt <= SEND_ATTEMPTS && !pending.isEmpty(); attempt++) {
            if (attempt > 1) {
                out.printf(
                        Locale.ROOT,
                        "%n  produce: %d of %d events not acknowledged (%s); sending them again with a new producer%n",
                        pending.size(),
                        docs.size(),
                        lastFailure.getMessage());
            }
            AtomicReferenceArray<Exception> failed = new AtomicReferenceArray<>(pending.size());
            try (Producer<String, byte[]> producer = producers.get()) {
                for (int i = 0; i < pending.size(); i++) {
                    int index = i;
                    FeedbackEvent event = CranfieldEvents.event(tenant, pending.get(i), timestamp);
                    producer.send(
                            new ProducerRecord<>(topic, event.tenant(), EventCodec.encode(event)),
                            (metadata, error) -> {
                                if (error != null) {
                                    failed.set(index, error);
                                } else {
                                    acked.incrementAndGet();
                                }
                            });
                    bar.update(acked.get());
                }
                producer.flush();
            }
            List<Document> again = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                Exception error = failed.get(i);
                if (error != null) {
                    if (!(error instanceof RetriableException)) {
                        throw sendFailed(topic, where, attempt, error);
                    }
                    again.add(pending.get(i));
                    lastFailure = error;
                }
            }
            pending = again;
        }
        if (!pending.isEmpty()) {
            throw sendFailed(topic, where, SEND_ATTEMPTS, lastFailure);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        bar.finish(
                acked.get(),
                String.format(
                        Locale.ROOT,
                        "%,.0f events/s acknowledged on %s",
                        docs.size() / Math.max(1e-9, took.toNanos() / 1e9),
                        topic));
        return took;
    }

    private static IllegalStateException sendFailed(String topic, String where, int attempt, Exception cause) {
        return new IllegalStateException(
                "sending the Cranfield events to " + topic + " on " + where + " failed (try " + attempt + " of "
                        + SEND_ATTEMPTS + "): " + cause.getMessage(),
                cause);
    }

    /**
     * Waits until {@code tenant} holds at least {@code expected} cases (searchable by BM25).
     *
     * @throws IllegalStateException after {@code timeout}, or when the node's consumer stopped
     */
    void awaitSearchable(EngramNode node, String tenant, long expected, Duration timeout, String label) {
        await(node, tenant, expected, timeout, label, () -> node.store().count(tenant), "searchable");
    }

    /**
     * Waits until at least {@code expected} of the tenant's cases have their vector (the node embeds
     * cases after they become searchable, off the write path).
     *
     * @throws IllegalStateException after {@code timeout}, or when the node's consumer stopped
     */
    void awaitVectors(EngramNode node, String tenant, long expected, Duration timeout, String label) {
        await(node, tenant, expected, timeout, label, () -> node.store().countWithVector(tenant), "embedded");
    }

    private void await(
            EngramNode node,
            String tenant,
            long expected,
            Duration timeout,
            String label,
            LongSupplier current,
            String state) {
        ProgressBar bar = new ProgressBar(out, label, expected, progressBars);
        long deadline = System.nanoTime() + timeout.toNanos();
        long count;
        while ((count = current.getAsLong()) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + count + " of " + expected + " cases became " + state
                        + " in tenant '" + tenant + "' within " + timeout + "; is the node consuming "
                        + Topics.FEEDBACK + "? (GET " + node.httpUrl() + "/health, dead letters on "
                        + Topics.DEAD_LETTERS + ")");
            }
            if (!node.consuming()) {
                throw new IllegalStateException("the node's feedback consumer stopped with " + count + " of " + expected
                        + " cases " + state + "; see the log and GET " + node.httpUrl() + "/health");
            }
            bar.update(count);
            pause();
        }
        bar.finish(
                count,
                String.format(
                        Locale.ROOT,
                        "%s in tenant '%s' (%.0f cases/s)",
                        state,
                        tenant,
                        expected / Math.max(1e-9, bar.elapsedSeconds())));
    }

    /** Between reads of the store: each read refreshes its searcher when writes are pending, so not too often. */
    static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the node", e);
        }
    }
}
