package dev.engram.bench;

import ai.djl.ndarray.NDManager;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraModel;
import dev.engram.broker.EmbeddedKafka;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedWorkerKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * How long a new node takes to be ready when {@code engram.adapters} already holds a history (not a
 * test; prints figures): {@code --tenants} adapters with {@code --versions} signed MiniLM r 8
 * (query/value) versions each, every one a candidate the gate promotes over its parent. A node with
 * the encoder and a fresh data directory starts; the time from {@code EngramNode.start} until its
 * registry has read the topic and every tenant is served by its newest version is printed, next to
 * the same start on an empty adapters topic (the baseline, measured first in the same run), and a
 * restart on the data directory of a node that had read the topic.
 *
 * <pre>
 * bench/run NodeStartupBench [--tenants 4] [--versions 6] [--runs 3]
 * </pre>
 */
public final class NodeStartupBench {

    public static void main(String[] args) throws Exception {
        int tenants = intArg(args, "--tenants", 4);
        int versions = intArg(args, "--versions", 6);
        int runs = intArg(args, "--runs", 3);
        Path dir = Files.createTempDirectory("engram-node-startup-bench");
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"));
                TextEncoder encoder = TextEncoder.load()) {
            TopicAdmin.ensureTopics(broker.bootstrapServers(), Topics.all());
            KeyPair worker = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            TrustedWorkerKeys trusted = TrustedWorkerKeys.of(worker.getPublic());

            // A first start warms the JVM, the encoder and the broker's connections up; not counted.
            startAndAwait(broker, encoder, trusted, dir.resolve("warm-up"), Map.of());
            List<Double> empty = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                empty.add(startAndAwait(broker, encoder, trusted, dir.resolve("empty-" + run), Map.of()));
            }

            Map<String, String> newest = new java.util.TreeMap<>();
            try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(broker.bootstrapServers())) {
                AdapterPublisher publisher = AdapterPublisher.over(producer);
                for (int t = 0; t < tenants; t++) {
                    String tenant = "bench-start-" + t;
                    String name = tenant + "-retriever";
                    for (int v = 1; v <= versions; v++) {
                        List<AdapterFile> files = make(encoder, dir.resolve("made/" + name + "/v" + v), 31L * t + v);
                        publisher.publish(AdapterSignature.sign(
                                AdapterPublished.of(
                                        name,
                                        tenant,
                                        v,
                                        v > 1 ? (long) v - 1 : null,
                                        encoder.config().model().id(),
                                        AdapterMethod.LORA_QUERY_SIDE,
                                        LoraTrainingConfig.defaults(),
                                        new AdapterMetrics(0.41 + v * 0.001, 0.40, 40, null, null, 0, Map.of()),
                                        AdapterStatus.CANDIDATE,
                                        "",
                                        "bench-" + name + "-" + v,
                                        files,
                                        Instant.now()),
                                worker));
                    }
                    newest.put(tenant, name + "/v" + versions);
                }
            }

            List<Double> replayed = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                replayed.add(startAndAwait(broker, encoder, trusted, dir.resolve("replay-" + run), newest));
            }
            double restarted = startAndAwait(broker, encoder, trusted, dir.resolve("replay-0"), newest);

            System.out.printf(
                    Locale.ROOT,
                    "NodeStartupBench: %d tenants x %d promoted MiniLM r 8 (query/value) versions on engram.adapters, "
                            + "embedded broker, node with the encoder, %d runs%n",
                    tenants,
                    versions,
                    runs);
            print("baseline: new node, empty adapters topic", empty);
            print("new node, " + tenants * versions + " versions on the topic", replayed);
            print("restart of a node that had read them", List.of(restarted));
            System.out.printf(
                    Locale.ROOT,
                    "replay cost per version on the topic (new node - baseline) / versions: %.0f ms%n",
                    (mean(replayed) - mean(empty)) * 1000 / (tenants * versions));
        }
    }

    /** Seconds from start until the registry read the topic and each tenant serves {@code expected}. */
    private static double startAndAwait(
            EmbeddedKafka broker,
            TextEncoder encoder,
            TrustedWorkerKeys trusted,
            Path data,
            Map<String, String> expected)
            throws Exception {
        long t0 = System.nanoTime();
        try (EngramNode node = EngramNode.start(NodeConfig.builder(data)
                .bootstrapServers(broker.bootstrapServers())
                .groupId("bench-start-" + data.getFileName())
                .httpPort(0)
                .embedder(encoder)
                .tuning(TuningSchedulerConfig.disabled())
                .trustedWorkers(trusted)
                .build())) {
            long deadline = System.nanoTime() + 900_000_000_000L;
            while (!node.adapters().caughtUp()
                    || !node.adapters().servingLabels().entrySet().containsAll(expected.entrySet())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "not ready in 15 min: serving " + node.adapters().servingLabels());
                }
                LockSupport.parkNanos(20_000_000L);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private static List<AdapterFile> make(TextEncoder encoder, Path dir, long seed) throws Exception {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                LoraModel lora = LoraModel.attach(
                        encoder.baseEncoder().baseLinears(),
                        LoraConfig.builder()
                                .r(8)
                                .alpha(16)
                                .targetModules(List.of("query", "value"))
                                .build(),
                        manager,
                        seed)) {
            lora.save(dir);
        }
        return List.of(
                new AdapterFile(AdapterFile.PEFT_CONFIG, Files.readAllBytes(dir.resolve(AdapterFile.PEFT_CONFIG))),
                new AdapterFile(AdapterFile.PEFT_WEIGHTS, Files.readAllBytes(dir.resolve(AdapterFile.PEFT_WEIGHTS))));
    }

    private static void print(String what, List<Double> seconds) {
        System.out.printf(
                Locale.ROOT,
                "  %-48s mean %6.1f s  min %6.1f s  max %6.1f s  (n %d)%n",
                what,
                mean(seconds),
                seconds.stream().mapToDouble(d -> d).min().orElse(0),
                seconds.stream().mapToDouble(d -> d).max().orElse(0),
                seconds.size());
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(d -> d).average().orElse(Double.NaN);
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
