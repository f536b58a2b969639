package dev.engram.bench;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.memory.Embedder;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.NodeConfigBuilder;
import dev.engram.node.auth.NodeKey;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.CranfieldLoader;
import dev.engram.retriever.eval.Document;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import dev.engram.tools.demo.CranfieldEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A partition's takeover by a node with an empty data directory and the MiniLM encoder: from the
 * node's start to every case of the partition's tenant having its vector. A first owner embeds the
 * Cranfield abstracts and records each vector on {@code engram.case-vectors}, signed with its node
 * key; then, in turns, a new owner that trusts that key (as a cluster's nodes trust each other's
 * with {@code --trusted-nodes}) and takes the recorded vectors, and a new owner whose encoder does
 * not match the records (so it refuses each one and embeds every case, as every takeover did before
 * the changelog: the baseline, in the same run, on the same broker and feedback). Each new owner is
 * its own consumer group, so it replays the partition from the start as a node that never held it
 * does.
 *
 * <p>Run: {@code bench/run PartitionTakeoverBench [--docs 1400] [--repeats 2]}.
 */
public final class PartitionTakeoverBench {

    private static final double LIMIT_SECONDS = 3_600;

    private PartitionTakeoverBench() {}

    private record Takeover(double seconds, long restored, long embedded, long refused) {}

    public static void main(String[] args) throws Exception {
        int docsWanted = 1_400;
        int repeats = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--docs" -> docsWanted = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i] + "; usage: [--docs N] [--repeats R]");
            }
        }
        List<Document> docs = CranfieldLoader.load().docs();
        docs = docs.subList(0, Math.min(docs.size(), docsWanted));
        String tenant = CranfieldEvents.TENANT;
        Path dir = Files.createTempDirectory("engram-takeover-bench");
        System.out.printf(
                Locale.ROOT,
                "PartitionTakeoverBench: %d Cranfield abstracts of one tenant (one partition), %d cores, %d repeats%n",
                docs.size(),
                Runtime.getRuntime().availableProcessors(),
                repeats);
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("broker"));
                TextEncoder encoder = TextEncoder.load()) {
            String bootstrap = broker.bootstrapServers();
            TopicAdmin.ensureTopics(bootstrap, Topics.all());
            Instant now = Instant.now();
            try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {
                for (Document doc : docs) {
                    FeedbackEvent e = CranfieldEvents.event(tenant, doc, now);
                    producer.send(new ProducerRecord<>(Topics.FEEDBACK, tenant, EventCodec.encode(e)));
                }
                producer.flush();
            }
            Takeover first = takeover(bootstrap, dir.resolve("first"), "first", encoder, tenant, docs.size(), null);
            print("first owner (embeds and records)", first, docs.size());
            // The new owners take only vectors signed by a node key they trust: the first owner's.
            Path firstOwnersKey = dir.resolve("first").resolve(NodeKey.PUBLIC_FILE);
            List<Double> with = new ArrayList<>();
            List<Double> without = new ArrayList<>();
            for (int r = 1; r <= repeats; r++) {
                Takeover w = takeover(
                        bootstrap, dir.resolve("with-" + r), "with-" + r, encoder, tenant, docs.size(), firstOwnersKey);
                print("repeat " + r + ": new owner, vectors from the changelog", w, docs.size());
                Takeover wo = takeover(
                        bootstrap,
                        dir.resolve("without-" + r),
                        "without-" + r,
                        new Unrecorded(encoder, "without-" + r),
                        tenant,
                        docs.size(),
                        firstOwnersKey);
                print("repeat " + r + ": new owner, every case embedded (baseline)", wo, docs.size());
                with.add(w.seconds());
                without.add(wo.seconds());
            }
            double meanWith =
                    with.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double meanWithout =
                    without.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            System.out.printf(
                    Locale.ROOT,
                    "takeover to every vector present: with the changelog %s s (mean %.1f), without %s s"
                            + " (mean %.1f); ratio without / with %.1fx%n",
                    seconds(with),
                    meanWith,
                    seconds(without),
                    meanWithout,
                    meanWithout / meanWith);
        }
    }

    /** @param trustedNodes the other node keys the new node trusts ({@code --trusted-nodes}); null for none */
    private static Takeover takeover(
            String bootstrap, Path dir, String name, Embedder embedder, String tenant, int cases, Path trustedNodes)
            throws Exception {
        long t0 = System.nanoTime();
        NodeConfigBuilder config = NodeConfig.builder(dir)
                .bootstrapServers(bootstrap)
                .groupId("takeover-bench-" + name)
                .httpPort(0)
                .embedder(embedder)
                .tuning(TuningSchedulerConfig.disabled());
        if (trustedNodes != null) {
            config.trustedNodes(trustedNodes);
        }
        try (EngramNode node = EngramNode.start(config.build())) {
            while (node.store().countWithVector(tenant) < cases) {
                if (secs(t0) > LIMIT_SECONDS) {
                    throw new IllegalStateException(name + ": not every vector within an hour: "
                            + node.store().countWithVector(tenant) + " of " + cases);
                }
                Thread.sleep(20);
            }
            double seconds = secs(t0);
            String metrics = node.metricsText();
            return new Takeover(
                    seconds,
                    counter(metrics, "engram_vectors_restored_total"),
                    counter(metrics, "engram_vectors_embedded_total"),
                    counter(metrics, "engram_vectors_refused_total"));
        }
    }

    private static void print(String what, Takeover t, int cases) {
        System.out.printf(
                Locale.ROOT,
                "%s: every vector %.1f s after the node's start (%.0f cases/s); restored %d, embedded %d,"
                        + " refused %d%n",
                what,
                t.seconds(),
                cases / t.seconds(),
                t.restored(),
                t.embedded(),
                t.refused());
    }

    private static String seconds(List<Double> values) {
        return values.stream()
                .map(v -> String.format(Locale.ROOT, "%.1f", v))
                .toList()
                .toString();
    }

    private static long counter(String prometheus, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*})? ([0-9.eE+-]+)$")
                .matcher(prometheus);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /**
     * The same encoder under a document-vector identity of its own (one per run, so that no run
     * uses what an earlier baseline recorded): every recorded vector is refused.
     */
    private record Unrecorded(TextEncoder inner, String run) implements Embedder {
        @Override
        public String modelId() {
            return inner.modelId();
        }

        @Override
        public String documentVectorId() {
            return inner.documentVectorId() + ";baseline-" + run;
        }

        @Override
        public int dimension() {
            return inner.dimension();
        }

        @Override
        public float[] embedQuery(String text) {
            return inner.embedQuery(text);
        }

        @Override
        public List<float[]> embedQueries(List<String> texts) {
            return inner.embedQueries(texts);
        }

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            return inner.embedDocuments(texts);
        }
    }
}
