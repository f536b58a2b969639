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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

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

    /**
     * Sends one event per document and waits for every acknowledgement.
     *
     * @return how long sending took
     */
    Duration produce(KafkaConnection kafka, String tenant, List<Document> docs) {
        ProgressBar bar = new ProgressBar(out, "produce", docs.size(), progressBars);
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long started = System.nanoTime();
        Instant timestamp = Instant.now();
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka)) {
            for (Document doc : docs) {
                FeedbackEvent event = CranfieldEvents.event(tenant, doc, timestamp);
                producer.send(
                        new ProducerRecord<>(Topics.FEEDBACK, event.tenant(), EventCodec.encode(event)),
                        (metadata, error) -> {
                            if (error != null) {
                                failure.compareAndSet(null, error);
                            } else {
                                acked.incrementAndGet();
                            }
                        });
                bar.update(acked.get());
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "sending the Cranfield events to " + Topics.FEEDBACK + " on " + kafka.describe() + " failed: "
                            + failure.get().getMessage(),
                    failure.get());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        bar.finish(
                acked.get(),
                String.format(
                        Locale.ROOT,
                        "%,.0f events/s acknowledged on %s",
                        docs.size() / Math.max(1e-9, took.toNanos() / 1e9),
                        Topics.FEEDBACK));
        return took;
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
