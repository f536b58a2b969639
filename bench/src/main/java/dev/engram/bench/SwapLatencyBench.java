package dev.engram.bench;

import ai.djl.ndarray.NDManager;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraModel;
import dev.engram.adapters.NoGradScope;
import dev.engram.adapters.TrainableParameter;
import dev.engram.node.adapters.AdapterLoader;
import dev.engram.node.adapters.AdapterServing;
import dev.engram.node.adapters.AdapterServingConfig;
import dev.engram.node.adapters.ServingTable;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.EmbeddedKafka;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SpawnProtocol;

/**
 * Adapter swap latency (not a test; prints figures): from the start of {@code publish} of a
 * PROMOTED MiniLM r-8 query/value adapter onto {@code engram.adapters} (a real embedded KRaft
 * broker in this JVM, transactional publish) to the first recall whose query is embedded by the
 * new version, on the node's adapter side ({@link AdapterServing}: topic reader → assembler with
 * SHA-256 check → full validation by {@code LoraModel.load} against the shared encoder → registry
 * actor → atomic swap).
 *
 * <p>A recall loop on its own thread leases the tenant's adapter and embeds a query through it,
 * over and over (the query-embedding part of a recall, which is what the swap changes); the
 * latency is taken when the first lease naming the new version is granted. The swap instant itself
 * (the registry's {@link ServingTable#onSwap} event) is reported too. Baseline, same run: loading
 * the same adapter from local disk with {@code LoraModel.load} alone (median over the same files),
 * the floor under any swap that validates the files. The share of the publish itself (until the
 * transaction is committed on the broker) is printed as well.
 *
 * <pre>
 * bench/run SwapLatencyBench [--adapters 30] [--rank 8]
 * </pre>
 */
public final class SwapLatencyBench {

    private static final String MINILM = "sentence-transformers/all-MiniLM-L6-v2";

    private SwapLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        int adapters = intArg(args, "--adapters", 30);
        int rank = intArg(args, "--rank", 8);
        Path data = Files.createTempDirectory("engram-swap-bench-");
        ExecutorService blocking = Executors.newFixedThreadPool(2);
        try (EmbeddedKafka broker = EmbeddedKafka.start(data.resolve("kafka"));
                TextEncoder encoder = TextEncoder.load()) {
            TopicAdmin.ensureTopics(broker.bootstrapServers(), Topics.all());
            List<List<AdapterFile>> files = new ArrayList<>();
            for (int i = 0; i < adapters; i++) {
                files.add(adapterFiles(encoder, rank, i + 1, data.resolve("files-" + i)));
            }
            long[] loadNanos = baseline(encoder, data, adapters);

            ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(SpawnProtocol.create(), "swap-bench");
            AdapterServing serving = AdapterServing.start(system, broker.bootstrapServers(),
                    AdapterLoader.forEncoder(encoder), AdapterServingConfig.defaults(), "swap-bench-node", blocking,
                    Clock.systemUTC());
            Map<String, Long> swappedAt = new ConcurrentHashMap<>();
            Map<String, Long> firstRecallAt = new ConcurrentHashMap<>();
            serving.table().onSwap(s -> swappedAt.putIfAbsent(s.next(), s.nanoTime()));
            AtomicBoolean running = new AtomicBoolean(true);
            long[] recalls = new long[1];
            Thread loop = new Thread(() -> {
                while (running.get()) {
                    try (ServingTable.Lease lease = serving.table().lease("bench")) {
                        firstRecallAt.putIfAbsent(lease.label(), System.nanoTime());
                        lease.embedderOr(encoder).embedQuery("shock waves on a swept wing at transonic speed");
                        recalls[0]++;
                    }
                }
            }, "recall-loop");
            loop.start();

            long[] toRecall = new long[adapters];
            long[] toSwap = new long[adapters];
            long[] toAck = new long[adapters];
            try (AdapterPublisher publisher = AdapterPublisher.transactional(broker.bootstrapServers(), "swap-bench")) {
                // Warm-up (not timed): the first publish opens the transaction machinery and JITs the path.
                publisher.publish(event("warmup", 1, files.get(0)));
                for (int i = 0; i < adapters; i++) {
                    AdapterPublished event = event("bench", i + 1, files.get(i));
                    String label = event.key();
                    long start = System.nanoTime();
                    publisher.publish(event);
                    toAck[i] = System.nanoTime() - start;
                    long deadline = start + TimeUnit.SECONDS.toNanos(30);
                    while (!firstRecallAt.containsKey(label) && System.nanoTime() < deadline) {
                        java.util.concurrent.locks.LockSupport.parkNanos(50_000);   // no spinning on shared cores
                    }
                    if (!firstRecallAt.containsKey(label)) {
                        throw new IllegalStateException(label + " not served within 30 s");
                    }
                    toRecall[i] = firstRecallAt.get(label) - start;
                    toSwap[i] = swappedAt.get(label) - start;
                }
            }
            running.set(false);
            loop.join(10_000);
            serving.close();
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);

            System.out.printf(Locale.ROOT, "Swap latency, MiniLM r=%d query/value adapters (%d bytes), %d swaps, "
                    + "%d recalls in the loop%n", rank, files.get(0).stream().mapToInt(AdapterFile::size).sum(), adapters,
                    recalls[0]);
            row("publish -> first recall on new version", toRecall);
            row("publish -> swap (registry)", toSwap);
            row("  of which publish until committed", toAck);
            row("baseline: LoraModel.load from disk", loadNanos);
            System.out.printf(Locale.ROOT, "ratio p50 swap-to-recall / local load: %.1fx%n",
                    percentile(toRecall, 50) / percentile(loadNanos, 50));
        } finally {
            blocking.shutdownNow();
        }
    }

    private static long[] baseline(TextEncoder encoder, Path data, int n) throws Exception {
        long[] out = new long[n];
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int i = -3; i < n; i++) {
                Path dir = data.resolve("files-" + Math.max(0, i));
                long start = System.nanoTime();
                try (NoGradScope ignored = NoGradScope.enter();
                        LoraModel lora = LoraModel.load(dir, encoder.baseEncoder().baseLinears(), manager)) {
                    if (i >= 0) {
                        out[i] = System.nanoTime() - start;
                    }
                }
            }
        }
        return out;
    }

    private static List<AdapterFile> adapterFiles(TextEncoder encoder, int rank, long seed, Path dir) throws Exception {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                NoGradScope ignored = NoGradScope.enter();
                LoraModel lora = LoraModel.attach(encoder.baseEncoder().baseLinears(), LoraConfig.builder().r(rank)
                        .alpha(2.0 * rank).targetModules(List.of("query", "value")).baseModelName(MINILM).build(),
                        manager, seed)) {
            for (TrainableParameter p : lora.trainableParameters()) {
                if (p.name().contains("lora_B")) {
                    p.value().addi(0.001f * seed);
                }
            }
            lora.save(dir);
        }
        return List.of(new AdapterFile(AdapterFile.PEFT_CONFIG, Files.readAllBytes(dir.resolve(AdapterFile.PEFT_CONFIG))),
                new AdapterFile(AdapterFile.PEFT_WEIGHTS, Files.readAllBytes(dir.resolve(AdapterFile.PEFT_WEIGHTS))));
    }

    private static AdapterPublished event(String tenant, long version, List<AdapterFile> files) {
        LoraTrainingConfig c = LoraTrainingConfig.defaults();
        return AdapterPublished.of(tenant + "-retriever", tenant, version, version == 1 ? null : version - 1, MINILM,
                AdapterMethod.LORA_QUERY_SIDE, c, new AdapterMetrics(0.41, 0.40, 40, null, null, 0, Map.of()),
                AdapterStatus.PROMOTED, "bench", "bench-job-" + version, files, Instant.now());
    }

    private static void row(String what, long[] nanos) {
        System.out.printf(Locale.ROOT, "  %-42s p50 %7.1f ms   p99 %7.1f ms   max %7.1f ms%n", what,
                percentile(nanos, 50) / 1e6, percentile(nanos, 99) / 1e6,
                Arrays.stream(nanos).max().orElse(0) / 1e6);
    }

    private static double percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
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
