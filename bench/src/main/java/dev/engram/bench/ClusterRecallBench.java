package dev.engram.bench;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.node.EngramNode;
import dev.engram.node.cluster.NodeCluster;
import dev.engram.node.cluster.TenantPartitioner;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.BooleanSupplier;

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
    private static final String GROUP = "cluster-bench";
    private static final Duration SETTLE_BOUND = Duration.ofMinutes(3);

    public static void main(String[] args) throws Exception {
        int cases = intArg(args, "--cases", 5_000);
        int recalls = intArg(args, "--recalls", 2_000);
        int warmup = intArg(args, "--warmup", 500);
        int k = intArg(args, "--k", 10);
        long seed = intArg(args, "--seed", 1);
        Random random = new Random(seed);
        SyntheticFeedback workload = new SyntheticFeedback(random, 2_000);
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
            try (EngramNode a = ClusteredNodes.start(dir.resolve("a"), kafka.bootstrapServers(), GROUP, List.of());
                    EngramNode b = ClusteredNodes.start(
                            dir.resolve("b"),
                            kafka.bootstrapServers(),
                            GROUP,
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
                String owned = tenant;
                workload.produce(kafka.bootstrapServers(), cases, i -> owned + "-" + i, i -> owned, random);
                await(
                        "node b indexed the tenant's " + cases + " cases",
                        () -> b.store().count(owned) == cases);
                String[] queries = new String[recalls + warmup];
                for (int i = 0; i < queries.length; i++) {
                    queries[i] = workload.words(random, 4);
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
        String local = ClusteredNodes.recallUrl(b, tenant);
        String routed = ClusteredNodes.recallUrl(a, tenant);
        for (int i = 0; i < warmup; i++) {
            ClusteredNodes.recall(http, i % 2 == 0 ? local : routed, queries[i], k);
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
                    ClusteredNodes.recall(http, ownerPass ? local : routed, queries[warmup + i], k);
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

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        ClusteredNodes.await(what, SETTLE_BOUND, condition);
        System.out.println("  " + what);
    }
}
