package dev.engram.bench;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import dev.engram.tools.demo.CranfieldEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Seeding a node that has the MiniLM encoder, as the demo does: the Cranfield abstracts produced to
 * {@code engram.feedback} → every case searchable by BM25 → every case with its vector. Baseline in
 * the same run: the bare encoder embedding the same case texts ({@code TextEncoder.embedDocuments},
 * the node's settings), i.e. the encoder's own limit; the ratio says what the node adds to it.
 *
 * <p>Run: {@code bench/run SeedingBench [docs]} (default all 1,400 abstracts). Prints the peak RSS
 * of the process too (node, broker and encoder in one JVM, as in the demo).
 */
public final class SeedingBench {

    private SeedingBench() {}

    public static void main(String[] args) throws Exception {
        List<Document> docs = CranfieldLoader.load().docs();
        if (args.length > 0) {
            docs = docs.subList(0, Math.min(docs.size(), Integer.parseInt(args[0])));
        }
        String tenant = CranfieldEvents.TENANT;
        Path dir = Files.createTempDirectory("engram-seeding-bench");
        System.out.printf(
                Locale.ROOT,
                "SeedingBench: %d Cranfield abstracts, %d cores%n",
                docs.size(),
                Runtime.getRuntime().availableProcessors());
        try (TextEncoder encoder = TextEncoder.load()) {
            double searchable;
            double embedded;
            try (EngramNode node = EngramNode.start(NodeConfig.builder(dir.resolve("node"))
                    .httpPort(0)
                    .embedder(encoder)
                    .build())) {
                CaseStore store = node.store();
                Instant now = Instant.now();
                long t0 = System.nanoTime();
                try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(node.kafka())) {
                    for (Document doc : docs) {
                        FeedbackEvent e = CranfieldEvents.event(tenant, doc, now);
                        producer.send(new ProducerRecord<>(Topics.FEEDBACK, tenant, EventCodec.encode(e)));
                    }
                    producer.flush();
                }
                double produced = secs(t0);
                searchable = -1;
                while (true) {
                    if (searchable < 0 && store.count(tenant) >= docs.size()) {
                        searchable = secs(t0);
                    }
                    if (searchable >= 0 && store.countWithVector(tenant) >= docs.size()) {
                        embedded = secs(t0);
                        break;
                    }
                    if (secs(t0) > 3_600) {
                        throw new IllegalStateException("not seeded within an hour: " + store.count(tenant)
                                + " searchable, " + store.countWithVector(tenant) + " with a vector");
                    }
                    Thread.sleep(20);
                }
                System.out.printf(
                        Locale.ROOT,
                        "node: produced in %.1f s, all searchable by BM25 %.1f s after the first send,"
                                + " every vector after %.1f s (%.1f cases/s)%n",
                        produced,
                        searchable,
                        embedded,
                        docs.size() / embedded);
            }
            List<String> texts = new ArrayList<>();
            for (Document doc : docs) {
                FeedbackEvent e = CranfieldEvents.event(tenant, doc, Instant.now());
                texts.add(Case.text(e.task(), e.plan(), e.outcome()));
            }
            long t1 = System.nanoTime();
            encoder.embedDocuments(texts);
            double bare = secs(t1);
            System.out.printf(
                    Locale.ROOT,
                    "baseline: the bare encoder embeds the same %d texts in %.1f s (%.1f texts/s, max %d word pieces)%n",
                    texts.size(),
                    bare,
                    texts.size() / bare,
                    encoder.config().maxLength());
            System.out.printf(
                    Locale.ROOT,
                    "ratio every-vector / bare encoder: %.2fx; BM25-searchable %.1f s (aim <= 5 s)%n",
                    embedded / bare,
                    searchable);
            System.out.printf(Locale.ROOT, "peak RSS of this process: %s%n", peakRss());
        }
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static String peakRss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return line.substring("VmHWM:".length()).trim();
            }
        }
        return "unknown";
    }
}
