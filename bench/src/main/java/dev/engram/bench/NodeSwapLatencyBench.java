package dev.engram.bench;

import ai.djl.ndarray.NDManager;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraModel;
import dev.engram.broker.EmbeddedKafka;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.registry.AdapterSwap;
import dev.engram.retriever.TextEncoder;
import dev.engram.runtime.EngramClient;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterKey;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedWorkerKeys;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Swap latency through a whole node (not a test; prints figures): N signed MiniLM r 8
 * (query/value) candidates that the node's gate promotes are published one after another on {@code engram.adapters} of an embedded
 * broker; for each it times publish → the first recall over the node's HTTP API (through the SDK) that reports the
 * new version (recalls run back to back meanwhile, as a busy agent's would), and publish → the
 * node's {@code registry.AdapterRegistry} swapped the tenant's serving reference (its
 * {@code AdapterSwap} event, so exact), split into its steps: the publish until acknowledged, until
 * the registry's poll returned the record, decoding, checking the signature, writing and loading the
 * files and the canary (its 16 probes through the candidate in one batch; the parent's probe
 * vectors are kept from when the parent itself passed), the swap. The
 * recalls' own latency is printed too: a recall that starts just after the swap still takes that
 * long, so "first recall served" is the swap plus about one to one and a half recalls. Baseline in
 * the same run: {@code LoraModel.load} of the same PEFT files from local disk. At the end the node
 * idles for {@code --idle-seconds} and the CPU it uses meanwhile is printed (the registry's reader
 * must not spin).
 *
 * <pre>
 * bench/run NodeSwapLatencyBench [--adapters 20] [--warmup 3] [--publisher plain|transactional] [--idle-seconds 10]
 * </pre>
 *
 * <p>{@code plain} publishes without a transaction (the default, as before); {@code transactional}
 * publishes the way training workers do (read_committed readers see it once the commit marker
 * lands).
 */
public final class NodeSwapLatencyBench {

    private static final String TENANT = "bench-swap";
    private static final String NAME = "bench-retriever";
    private static final String SERVED = "publish -> first HTTP recall served by the new version";
    private static final String SWAPPED = "publish -> registry swapped the serving reference";
    private static final String BASELINE = "baseline: LoraModel.load of the same files from disk";

    public static void main(String[] args) throws Exception {
        int adapters = intArg(args, "--adapters", 20);
        int warmup = intArg(args, "--warmup", 3);
        int idleSeconds = intArg(args, "--idle-seconds", 10);
        boolean transactional = switch (stringArg(args, "--publisher", "plain")) {
            case "plain" -> false;
            case "transactional" -> true;
            default -> throw new IllegalArgumentException("--publisher: plain or transactional");
        };
        Path dir = Files.createTempDirectory("engram-node-swap-bench");
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"));
                TextEncoder encoder = TextEncoder.load()) {
            TopicAdmin.ensureTopics(broker.bootstrapServers(), Topics.all());
            // The bench signs as a worker the node trusts; each version is a candidate the gate promotes.
            KeyPair worker = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            try (EngramNode node = EngramNode.start(NodeConfig.builder(dir.resolve("node"))
                            .bootstrapServers(broker.bootstrapServers())
                            .httpPort(0)
                            .embedder(encoder)
                            .trustedWorkers(TrustedWorkerKeys.of(worker.getPublic()))
                            .build());
                    KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(broker.bootstrapServers());
                    AdapterPublisher txPublisher = transactional
                            ? AdapterPublisher.transactional(broker.bootstrapServers(), "bench-swap-publisher")
                            : null;
                    EngramClient client = EngramClient.builder()
                            .nodeUrl(URI.create(node.httpUrl()))
                            .apiKey(node.localAdminKey().orElseThrow())
                            .agentId("bench-swap")
                            .build()) {
                AdapterPublisher publisher = transactional ? txPublisher : AdapterPublisher.over(producer);
                Map<String, AdapterSwap> swaps = new ConcurrentHashMap<>();
                node.adapters().onSwap(s -> swaps.put(s.to(), s));
                Map<String, List<Double>> rows = new LinkedHashMap<>();
                List<Double> recalls = new ArrayList<>();
                List<Double> recallsInNode = new ArrayList<>();
                long payload = 0;
                for (int i = 1; i <= warmup + adapters; i++) {
                    Path files = dir.resolve("made/v" + i);
                    List<AdapterFile> peft = make(encoder, files, i);
                    payload = peft.stream().mapToLong(AdapterFile::size).sum();
                    AdapterPublished adapter = AdapterSignature.sign(
                            AdapterPublished.of(
                                    NAME,
                                    TENANT,
                                    i,
                                    i > 1 ? (long) i - 1 : null,
                                    encoder.config().model().id(),
                                    AdapterMethod.LORA_QUERY_SIDE,
                                    LoraTrainingConfig.defaults(),
                                    new AdapterMetrics(0.41, 0.40, 40, null, null, 0, Map.of()),
                                    AdapterStatus.CANDIDATE,
                                    "",
                                    "bench-" + i,
                                    peft,
                                    Instant.now()),
                            worker);
                    String label = AdapterKey.version(NAME, i).toString();
                    long t0 = System.nanoTime();
                    publisher.publish(adapter);
                    long acked = System.nanoTime();
                    List<Double> theseRecalls = new ArrayList<>();
                    List<Double> theseInNode = new ArrayList<>();
                    while (true) {
                        long r0 = System.nanoTime();
                        RecallResponse r = client.recall(TENANT, "flutter of a heated wing", 5);
                        theseRecalls.add(ms(System.nanoTime() - r0));
                        theseInNode.add(r.tookMs());
                        if (label.equals(r.adapterVersion())) {
                            break;
                        }
                    }
                    long served = System.nanoTime();
                    AdapterSwap swap = swaps.get(label);
                    if (swap == null) {
                        throw new IllegalStateException(label + " served but no swap event seen");
                    }
                    long l0 = System.nanoTime();
                    try (NDManager m = NDManager.newBaseManager("PyTorch");
                            LoraModel ignored =
                                    LoraModel.load(files, encoder.baseEncoder().baseLinears(), m)) {
                        long loaded = System.nanoTime();
                        if (i > warmup) {
                            add(rows, SERVED, ms(served - t0));
                            add(rows, SWAPPED, ms(swap.swappedNanos() - t0));
                            add(
                                    rows,
                                    "  publish until acknowledged" + (transactional ? " (committed)" : ""),
                                    ms(acked - t0));
                            add(rows, "  publish -> the registry's poll returned it", ms(swap.polledNanos() - t0));
                            add(
                                    rows,
                                    "  poll -> assembled (decode, checksum)",
                                    ms(swap.deliveredNanos() - swap.polledNanos()));
                            add(
                                    rows,
                                    "  assembled -> verified (signature, write + load the files, canary, gate)",
                                    ms(swap.verifiedNanos() - swap.deliveredNanos()));
                            add(rows, "  verified -> swapped", ms(swap.swappedNanos() - swap.verifiedNanos()));
                            add(rows, "swapped -> first recall on it answered", ms(served - swap.swappedNanos()));
                            add(rows, BASELINE, ms(loaded - l0));
                            recalls.addAll(theseRecalls);
                            recallsInNode.addAll(theseInNode);
                        }
                    }
                }
                System.out.printf(
                        Locale.ROOT,
                        "NodeSwapLatencyBench: %d promoted MiniLM r 8 (query/value) adapters, "
                                + "%,d payload bytes each, %s publisher, embedded broker, 1 node, %d warm-up%n",
                        adapters,
                        payload,
                        transactional ? "transactional" : "plain",
                        warmup);
                rows.forEach(NodeSwapLatencyBench::print);
                print("one HTTP recall (back to back, during the swaps)", recalls);
                print("  of which the node's own time (embed, search, rank)", recallsInNode);
                System.out.printf(
                        Locale.ROOT,
                        "ratio served / local load: p50 %.1fx, p99 %.1fx; swapped / local load:"
                                + " p50 %.1fx, p99 %.1fx%n",
                        percentile(rows.get(SERVED), 50) / percentile(rows.get(BASELINE), 50),
                        percentile(rows.get(SERVED), 99) / percentile(rows.get(BASELINE), 99),
                        percentile(rows.get(SWAPPED), 50) / percentile(rows.get(BASELINE), 50),
                        percentile(rows.get(SWAPPED), 99) / percentile(rows.get(BASELINE), 99));
                if (idleSeconds > 0) {
                    idle(idleSeconds);
                }
            }
        }
    }

    /** CPU the whole process (node, registry reader, embedded broker) uses while nothing happens. */
    private static void idle(int seconds) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long reader = Arrays.stream(threads.dumpAllThreads(false, false))
                .filter(t -> t.getThreadName().equals("engram-adapter-registry"))
                .mapToLong(ThreadInfo::getThreadId)
                .findFirst()
                .orElse(-1);
        LockSupport.parkNanos(2_000_000_000L); // let the last swap's retirements and logging settle
        long cpu0 = os.getProcessCpuTime();
        long reader0 = reader < 0 ? 0 : threads.getThreadCpuTime(reader);
        long t0 = System.nanoTime();
        LockSupport.parkNanos(seconds * 1_000_000_000L);
        double wall = System.nanoTime() - t0;
        double process = (os.getProcessCpuTime() - cpu0) / wall * 100;
        double readerShare = reader < 0 ? Double.NaN : (threads.getThreadCpuTime(reader) - reader0) / wall * 100;
        System.out.printf(
                Locale.ROOT,
                "idle %d s: process (node + embedded broker) %.2f%% of one core, the "
                        + "registry's reader thread %.3f%%%n",
                seconds,
                process,
                readerShare);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void add(Map<String, List<Double>> rows, String row, double value) {
        rows.computeIfAbsent(row, k -> new ArrayList<>()).add(value);
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

    private static void print(String what, List<Double> ms) {
        System.out.printf(
                Locale.ROOT,
                "  %-58s p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (n %d)%n",
                what,
                percentile(ms, 50),
                percentile(ms, 99),
                ms.stream().mapToDouble(d -> d).max().orElse(0),
                ms.size());
    }

    private static double percentile(List<Double> values, double p) {
        double[] sorted = values.stream().mapToDouble(d -> d).toArray();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static String stringArg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
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
