package dev.engram.bench;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.node.EngramNode;
import dev.engram.node.cluster.ClusterStatus;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Ingest and recall throughput of a cluster of one, two and three nodes (not a test; prints
 * figures, the one-node cluster being the same run's baseline).
 *
 * <p>For each size: starts that many clustered nodes in this JVM (BM25 only, a fresh consumer group
 * and fresh data directories), waits until every partition of {@code engram.feedback} is owned and
 * placed and the nodes have caught up with what earlier rounds wrote, then
 * <ul>
 *   <li><b>ingest</b>: produces {@code --events} new events over {@code --tenants} tenants and times
 *       them from the first send until the group's committed offsets (committed only once the index
 *       is durable) cover them: events/s from produce to searchable;
 *   <li><b>recall</b>: {@code --clients} threads send BM25 recalls over HTTP for random tenants to
 *       the nodes in turn (so most are routed to the owner) for {@code --seconds}: recalls/s and
 *       p50/p99 latency.
 * </ul>
 * A first round (one node, not reported) warms the JVM up; then the sizes run {@code --repeats}
 * times, ascending then descending, so that no size always runs on a warmer JVM. Every node, the
 * broker and the clients share this machine's cores: on a machine with two cores
 * the figures show what the cluster costs and whether it keeps up, not how it scales, which needs a
 * node per machine.
 *
 * <pre>
 * bench/run ClusterThroughputBench [--nodes 3] [--events 10000] [--tenants 16] [--clients 4] [--seconds 15]
 *                                  [--repeats 2] [--seed 1]
 * </pre>
 */
public final class ClusterThroughputBench {

    private static final int PARTITIONS = 4;

    public static void main(String[] args) throws Exception {
        int maxNodes = intArg(args, "--nodes", 3);
        int events = intArg(args, "--events", 10_000);
        int tenants = intArg(args, "--tenants", 16);
        int clients = intArg(args, "--clients", 4);
        int seconds = intArg(args, "--seconds", 15);
        int repeats = intArg(args, "--repeats", 2);
        long seed = intArg(args, "--seed", 1);
        Random random = new Random(seed);
        SyntheticFeedback workload = new SyntheticFeedback(random, 2_000);
        System.out.printf(
                Locale.ROOT,
                "ClusterThroughputBench: 1..%d nodes in one JVM with the broker, %,d events per round over %d"
                        + " tenants, %d recall clients for %d s, %d repeats, %d cores, Java %s%n",
                maxNodes,
                events,
                tenants,
                clients,
                seconds,
                repeats,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        Path dir = Files.createTempDirectory("engram-cluster-throughput");
        Map<Integer, List<double[]>> rows = new TreeMap<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary();
                Admin admin =
                        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
            System.out.println("warm-up round (not reported):");
            round(1, "w", kafka.bootstrapServers(), admin, dir, events, tenants, clients, seconds, workload, random);
            for (int r = 0; r < repeats; r++) {
                for (int i = 1; i <= maxNodes; i++) {
                    int n = r % 2 == 0 ? i : maxNodes + 1 - i;
                    double[] figures = round(
                            n,
                            "r" + r + "n" + n,
                            kafka.bootstrapServers(),
                            admin,
                            dir,
                            events,
                            tenants,
                            clients,
                            seconds,
                            workload,
                            random);
                    rows.computeIfAbsent(n, x -> new ArrayList<>()).add(figures);
                }
            }
        } finally {
            deleteQuietly(dir);
        }
        System.out.println();
        System.out.println("nodes   ingest events/s (min-max)   x 1 node   recalls/s (min-max)   x 1 node"
                + "   recall p50 ms   p99 ms   (means over " + repeats + " rounds)");
        double[] base = null;
        for (Map.Entry<Integer, List<double[]>> row : rows.entrySet()) {
            double[] mean = new double[4];
            double[] min = {Double.MAX_VALUE, Double.MAX_VALUE};
            double[] max = {0, 0};
            for (double[] v : row.getValue()) {
                for (int j = 0; j < 4; j++) {
                    mean[j] += v[j] / row.getValue().size();
                }
                for (int j = 0; j < 2; j++) {
                    min[j] = Math.min(min[j], v[j]);
                    max[j] = Math.max(max[j], v[j]);
                }
            }
            if (base == null) {
                base = mean;
            }
            System.out.printf(
                    Locale.ROOT,
                    "%5d   %6.0f (%6.0f-%6.0f)    %8.2f   %5.0f (%5.0f-%5.0f)     %8.2f   %13.2f   %6.2f%n",
                    row.getKey(),
                    mean[0],
                    min[0],
                    max[0],
                    mean[0] / base[0],
                    mean[1],
                    min[1],
                    max[1],
                    mean[1] / base[1],
                    mean[2],
                    mean[3]);
        }
        System.out.printf(
                Locale.ROOT,
                "load average: %.2f (all nodes share this machine's %d cores: no scaling can show here)%n",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors());
    }

    /** One cluster size, labelled {@code label}; returns {ingest events/s, recalls/s, p50 ms, p99 ms}. */
    private static double[] round(
            int n,
            String label,
            String bootstrap,
            Admin admin,
            Path dir,
            int events,
            int tenants,
            int clients,
            int seconds,
            SyntheticFeedback workload,
            Random random)
            throws Exception {
        String group = "throughput-" + label;
        List<EngramNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                List<String> seeds = i == 0
                        ? List.of()
                        : List.of(nodes.get(0).cluster().orElseThrow().seedAddress());
                nodes.add(ClusteredNodes.start(dir.resolve(label + "-node-" + i), bootstrap, group, seeds));
            }
            await(n + " node(s): every partition owned and placed", () -> settled(nodes));
            await(n + " node(s): caught up with earlier rounds", () -> caughtUp(admin, group));

            String prefix = label + "-";
            long t0 = System.nanoTime();
            workload.produce(bootstrap, events, i -> prefix + "e" + i, i -> prefix + (i % tenants), random);
            long produced = System.nanoTime();
            await(n + " node(s): " + events + " events durable", () -> caughtUp(admin, group));
            double ingestSeconds = (System.nanoTime() - t0) / 1e9;
            double ingest = events / ingestSeconds;
            System.out.printf(
                    Locale.ROOT,
                    "  %d node(s): ingest %,d events in %.2f s (sending took %.2f s): %.0f events/s%n",
                    n,
                    events,
                    ingestSeconds,
                    (produced - t0) / 1e9,
                    ingest);

            long[] latencies = recalls(nodes, prefix, tenants, clients, seconds, workload, random);
            double perSecond = latencies.length / (double) seconds;
            Arrays.sort(latencies);
            System.out.printf(
                    Locale.ROOT,
                    "  %d node(s): %,d recalls in %d s from %d clients: %.0f/s, p50 %.2f ms, p99 %.2f ms%n",
                    n,
                    latencies.length,
                    seconds,
                    clients,
                    perSecond,
                    pct(latencies, 50),
                    pct(latencies, 99));
            return new double[] {ingest, perSecond, pct(latencies, 50), pct(latencies, 99)};
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                nodes.get(i).close();
            }
        }
    }

    private static boolean settled(List<EngramNode> nodes) {
        Set<Integer> owned = new HashSet<>();
        for (EngramNode node : nodes) {
            ClusterStatus status = node.cluster().orElseThrow().status();
            if (status.ownedPartitions().isEmpty()
                    || status.partitionOwners().size() != PARTITIONS
                    || status.members().stream().filter(m -> m.endsWith(" Up")).count() != nodes.size()) {
                return false;
            }
            for (int p : status.ownedPartitions()) {
                if (!owned.add(p)) {
                    return false;
                }
            }
        }
        return owned.size() == PARTITIONS;
    }

    /** Whether the group's committed offsets reach the end of every feedback partition. */
    private static boolean caughtUp(Admin admin, String group) {
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(Topics.FEEDBACK, p), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            for (var end : ends.entrySet()) {
                long at = end.getValue().offset();
                if (at == 0) {
                    continue;
                }
                OffsetAndMetadata c = committed.get(end.getKey());
                if (c == null || c.offset() < at) {
                    return false;
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static long[] recalls(
            List<EngramNode> nodes,
            String prefix,
            int tenants,
            int clients,
            int seconds,
            SyntheticFeedback workload,
            Random random)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long seed = random.nextLong();
        // A short warm-up on every node and route, not timed.
        for (int i = 0; i < 50 * nodes.size(); i++) {
            recall(http, nodes.get(i % nodes.size()), prefix + (i % tenants), workload.words(random, 4));
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                Random r = new Random(seed + client);
                long[] times = new long[1024];
                int count = 0;
                for (int i = client; System.nanoTime() < deadline; i++) {
                    long t0 = System.nanoTime();
                    recall(http, nodes.get(i % nodes.size()), prefix + r.nextInt(tenants), workload.words(r, 4));
                    if (count == times.length) {
                        times = Arrays.copyOf(times, count * 2);
                    }
                    times[count++] = System.nanoTime() - t0;
                }
                return Arrays.copyOf(times, count);
            }));
        }
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> f : futures) {
            all.add(f.get());
        }
        pool.shutdown();
        return all.stream().flatMapToLong(Arrays::stream).toArray();
    }

    private static void recall(HttpClient http, EngramNode node, String tenant, String task) throws Exception {
        ClusteredNodes.recall(http, ClusteredNodes.recallUrl(node, tenant), task, 10);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        ClusteredNodes.await(what, Duration.ofMinutes(5), condition);
    }

    private static double pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
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
