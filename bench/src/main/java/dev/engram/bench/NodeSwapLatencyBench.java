package dev.engram.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.adapters.LoraConfig;
import dev.engram.adapters.LoraModel;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.EmbeddedKafka;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Swap latency through a whole node (not a test; prints figures): N promoted MiniLM r 8
 * (query/value) adapters are published one after another on {@code engram.adapters} of an embedded
 * broker; for each it times publish → the first recall over the node's HTTP API that reports the
 * new version (recalls run back to back meanwhile), and publish → the node's
 * {@code registry.AdapterRegistry} swapped the tenant's serving reference. Baseline in the same
 * run: {@code LoraModel.load} of the same PEFT files from local disk.
 *
 * <pre>
 * bench/run NodeSwapLatencyBench [--adapters 20] [--warmup 3]
 * </pre>
 */
public final class NodeSwapLatencyBench {

    private static final String TENANT = "bench-swap";
    private static final String NAME = "bench-retriever";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int adapters = intArg(args, "--adapters", 20);
        int warmup = intArg(args, "--warmup", 3);
        Path dir = Files.createTempDirectory("engram-node-swap-bench");
        HttpClient http = HttpClient.newHttpClient();
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"));
                TextEncoder encoder = TextEncoder.load()) {
            TopicAdmin.ensureTopics(broker.bootstrapServers(), Topics.all());
            try (EngramNode node = EngramNode.start(NodeConfig.builder(dir.resolve("node"))
                    .bootstrapServers(broker.bootstrapServers()).httpPort(0).embedder(encoder).build());
                    KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(broker.bootstrapServers())) {
                AdapterPublisher publisher = AdapterPublisher.over(producer);
                URI recall = URI.create(node.httpUrl() + "/v1/tenants/" + TENANT + "/recall");
                List<Double> served = new ArrayList<>();
                List<Double> swapped = new ArrayList<>();
                List<Double> loads = new ArrayList<>();
                long payload = 0;
                for (int i = 1; i <= warmup + adapters; i++) {
                    Path files = dir.resolve("made/v" + i);
                    List<AdapterFile> peft = make(encoder, files, i);
                    payload = peft.stream().mapToLong(AdapterFile::size).sum();
                    AdapterPublished adapter = AdapterPublished.of(NAME, TENANT, i, i > 1 ? (long) i - 1 : null,
                            encoder.config().model().id(), AdapterMethod.LORA_QUERY_SIDE,
                            LoraTrainingConfig.defaults(), new AdapterMetrics(0.41, 0.40, 40, null, null, 0, Map.of()),
                            AdapterStatus.PROMOTED, "bench", "bench-" + i, peft, Instant.now());
                    String label = NAME + "/v" + i;
                    long t0 = System.nanoTime();
                    publisher.publish(adapter);
                    double swapMs = -1;
                    while (true) {
                        if (swapMs < 0 && label.equals(node.adapters().servingLabel(TENANT))) {
                            swapMs = (System.nanoTime() - t0) / 1e6;
                        }
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(recall)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"task\": \"flutter of a heated wing\", \"k\": 5}"))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("recall failed: " + r.statusCode() + " " + r.body());
                        }
                        if (label.equals(JSON.readTree(r.body()).get("adapterVersion").asText())) {
                            break;
                        }
                    }
                    double servedMs = (System.nanoTime() - t0) / 1e6;
                    long l0 = System.nanoTime();
                    try (NDManager m = NDManager.newBaseManager("PyTorch");
                            LoraModel ignored = LoraModel.load(files, encoder.baseEncoder().baseLinears(), m)) {
                        double loadMs = (System.nanoTime() - l0) / 1e6;
                        if (i > warmup) {
                            loads.add(loadMs);
                            served.add(servedMs);
                            swapped.add(swapMs < 0 ? servedMs : swapMs);
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "NodeSwapLatencyBench: %d promoted MiniLM r 8 (query/value) adapters, "
                        + "%,d payload bytes each, embedded broker, 1 node, %d warm-up%n", adapters, payload, warmup);
                print("publish -> first HTTP recall served by the new version", served);
                print("publish -> registry swapped the serving reference", swapped);
                print("baseline: LoraModel.load of the same files from disk", loads);
                System.out.printf(Locale.ROOT, "ratio p50 served / p50 local load: %.2fx%n",
                        percentile(served, 50) / percentile(loads, 50));
            }
        }
    }

    private static List<AdapterFile> make(TextEncoder encoder, Path dir, long seed) throws Exception {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                LoraModel lora = LoraModel.attach(encoder.baseEncoder().baseLinears(),
                        LoraConfig.builder().r(8).alpha(16).targetModules(List.of("query", "value")).build(), manager,
                        seed)) {
            lora.save(dir);
        }
        return List.of(new AdapterFile(AdapterFile.PEFT_CONFIG, Files.readAllBytes(dir.resolve(AdapterFile.PEFT_CONFIG))),
                new AdapterFile(AdapterFile.PEFT_WEIGHTS, Files.readAllBytes(dir.resolve(AdapterFile.PEFT_WEIGHTS))));
    }

    private static void print(String what, List<Double> ms) {
        System.out.printf(Locale.ROOT, "  %-56s p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (n %d)%n", what,
                percentile(ms, 50), percentile(ms, 99), ms.stream().mapToDouble(d -> d).max().orElse(0), ms.size());
    }

    private static double percentile(List<Double> values, double p) {
        double[] sorted = values.stream().mapToDouble(d -> d).toArray();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
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
