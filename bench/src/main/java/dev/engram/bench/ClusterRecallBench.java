package dev.engram.bench;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.cluster.ClusterConfig;
import dev.engram.node.cluster.NodeCluster;
import dev.engram.node.cluster.TenantPartitioner;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What the routing hop of a cluster adds to a recall (not a test; prints figures).
 *
 * <p>Starts an embedded broker and two clustered nodes in one JVM (BM25 only, one consumer group),
 * waits until each owns two partitions of {@code engram.feedback}, sends {@code --cases} cases of one
 * tenant whose partition node B owns, and times the same recalls over HTTP sent to B (the owner:
 * answered locally) and to A (routed through Cluster Sharding to B and back), in alternating blocks
 * of the same run. Prints p50 / p99 / mean of both and the difference. Both nodes share this
 * machine's cores, so the figures show the hop's cost, not scaling.
 *
 * <pre>
 * bench/run ClusterRecallBench [--cases 5000] [--recalls 2000] [--warmup 500] [--k 10] [--seed 1]
 * </pre>
 */
public final class ClusterRecallBench {

    private static final int BLOCK = 50;

    public static void main(String[] args) throws Exception {
        int cases = intArg(args, "--cases", 5_000);
        int recalls = intArg(args, "--recalls", 2_000);
        int warmup = intArg(args, "--warmup", 500);
        int k = intArg(args, "--k", 10);
        long seed = intArg(args, "--seed", 1);
        Random random = new Random(seed);
        String[] words = vocabulary(random, 2_000);
        System.out.printf(
                Locale.ROOT,
                "ClusterRecallBench: 2 nodes in one JVM, %,d cases of one tenant, %,d recalls per route after %,d"
                        + " warm-up, k=%d, %d cores, Java %s%n",
                cases,
                recalls,
                warmup,
                k,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        Path dir = Files.createTempDirectory("engram-cluster-bench");
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
            try (EngramNode a = start(dir.resolve("a"), kafka.bootstrapServers(), List.of());
                    EngramNode b = start(
                            dir.resolve("b"),
                            kafka.bootstrapServers(),
                            List.of(a.cluster().orElseThrow().seedAddress()))) {
                NodeCluster ca = a.cluster().orElseThrow();
                NodeCluster cb = b.cluster().orElseThrow();
                await(
                        "each node owns two partitions, all placed",
                        () -> ca.status().ownedPartitions().size() == 2
                                && cb.status().ownedPartitions().size() == 2
                                && ca.status().partitionOwners().size() == 4
                                && ca.status().partitionOwners().values().stream()
                                                .distinct()
                                                .count()
                                        == 2);
                TenantPartitioner partitioner = new TenantPartitioner(4);
                String tenant = null;
                for (int i = 0; tenant == null; i++) {
                    if (cb.ownership().owns(partitioner.partitionOf("bench-" + i))) {
                        tenant = "bench-" + i;
                    }
                }
                produce(kafka.bootstrapServers(), tenant, cases, words, random);
                String owned = tenant;
                await(
                        "node b indexed the tenant's " + cases + " cases",
                        () -> b.store().count(owned) == cases);
                String[] queries = new String[recalls + warmup];
                for (int i = 0; i < queries.length; i++) {
                    queries[i] = words(words, random, 4);
                }
                run(a, b, tenant, queries, recalls, warmup, k);
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void run(EngramNode a, EngramNode b, String tenant, String[] queries, int recalls, int warmup, int k)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String local = b.httpUrl() + "/v1/tenants/" + tenant + "/recall";
        String routed = a.httpUrl() + "/v1/tenants/" + tenant + "/recall";
        for (int i = 0; i < warmup; i++) {
            recall(http, i % 2 == 0 ? local : routed, queries[i], k);
        }
        long[] onOwner = new long[recalls];
        long[] throughOther = new long[recalls];
        for (int block = 0; block * BLOCK < recalls; block++) {
            int from = block * BLOCK;
            int to = Math.min(recalls, from + BLOCK);
            // Alternate which route goes first, so that neither always runs on a warmer machine.
            for (int pass = 0; pass < 2; pass++) {
                boolean ownerPass = (block + pass) % 2 == 0;
                for (int i = from; i < to; i++) {
                    long t0 = System.nanoTime();
                    recall(http, ownerPass ? local : routed, queries[warmup + i], k);
                    (ownerPass ? onOwner : throughOther)[i] = System.nanoTime() - t0;
                }
            }
        }
        Arrays.sort(onOwner);
        Arrays.sort(throughOther);
        System.out.printf(
                Locale.ROOT,
                "recall over HTTP, ms      p50     p99    mean%n"
                        + "  on the owner       %7.2f %7.2f %7.2f%n"
                        + "  routed via other   %7.2f %7.2f %7.2f%n"
                        + "  hop adds           %+7.2f %+7.2f %+7.2f   (ratio p50 %.2f)%n"
                        + "load average: %.2f%n",
                pct(onOwner, 50),
                pct(onOwner, 99),
                mean(onOwner),
                pct(throughOther, 50),
                pct(throughOther, 99),
                mean(throughOther),
                pct(throughOther, 50) - pct(onOwner, 50),
                pct(throughOther, 99) - pct(onOwner, 99),
                mean(throughOther) - mean(onOwner),
                pct(throughOther, 50) / pct(onOwner, 50),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage());
    }

    private static void recall(HttpClient http, String url, String task, int k) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"" + task + "\", \"k\": " + k + "}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "recall at " + url + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static EngramNode start(Path data, String bootstrap, List<String> seeds) {
        return EngramNode.start(NodeConfig.builder(data)
                .bootstrapServers(bootstrap)
                .groupId("cluster-bench")
                .httpPort(0)
                .allowAnonymous(true)
                .tuning(TuningSchedulerConfig.disabled())
                .cluster(ClusterConfig.on("127.0.0.1", 0, seeds))
                .build());
    }

    private static void produce(String bootstrap, String tenant, int cases, String[] words, Random random)
            throws Exception {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {
            for (int i = 0; i < cases; i++) {
                FeedbackEvent event = FeedbackEvent.of(
                        tenant + "-" + i,
                        tenant,
                        "agent",
                        t.plusSeconds(i),
                        words(words, random, 12),
                        words(words, random, 30),
                        words(words, random, 8),
                        random.nextInt(101) / 100.0,
                        null);
                producer.send(new ProducerRecord<>(Topics.FEEDBACK, tenant, EventCodec.encode(event)));
            }
            producer.flush();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within 3 min: " + what);
            }
            Thread.sleep(100);
        }
        System.out.println("  " + what);
    }

    private static String[] vocabulary(Random random, int n) {
        String[] words = new String[n];
        for (int i = 0; i < n; i++) {
            StringBuilder w = new StringBuilder();
            for (int j = 0, len = 3 + random.nextInt(6); j < len; j++) {
                w.append((char) ('a' + random.nextInt(26)));
            }
            words[i] = w.toString();
        }
        return words;
    }

    /** {@code n} words, Zipf-like: low indexes are common. */
    private static String words(String[] vocabulary, Random random, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            s.append(i == 0 ? "" : " ").append(vocabulary[(int) (vocabulary.length * u * u * u)]);
        }
        return s.toString();
    }

    private static double pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }

    private static double mean(long[] values) {
        return Arrays.stream(values).average().orElse(0) / 1e6;
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
