package dev.engram.node.adapters;

import static dev.engram.node.adapters.Events.metrics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.node.testing.Await;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The adapter side of a node on a real broker with real MiniLM and real LoRA files: swaps, the
 * gate, rejected files, pins across a restart, and recalls during swaps.
 */
class AdapterServingTest {

    private static final Duration BOUND = Duration.ofSeconds(60);

    private static String bootstrap;
    private static TextEncoder encoder;
    private static ExecutorService blocking;
    private static AdapterPublisher publisher;
    private static List<AdapterFile> good1;
    private static List<AdapterFile> good2;

    private ActorSystem<SpawnProtocol.Command> system;
    private AdapterServing serving;
    private String name;
    private String tenant;

    @BeforeAll
    static void startParts() throws Exception {
        bootstrap = SharedKafka.bootstrapServers();
        encoder = TextEncoder.load();
        blocking = Executors.newFixedThreadPool(2);
        publisher = AdapterPublisher.transactional(bootstrap, TestIds.unique("adapter-serving-test"));
        good1 = MiniLmAdapters.files(encoder, 8, 1);
        good2 = MiniLmAdapters.files(encoder, 8, 2);
    }

    @AfterAll
    static void stopParts() {
        publisher.close();
        blocking.shutdownNow();
        encoder.close();
    }

    @BeforeEach
    void start() {
        name = TestIds.unique("swap").toLowerCase();
        tenant = TestIds.unique("tenant");
        system = ActorSystem.create(SpawnProtocol.create(), "adapters-test");
        serving = startServing(system);
    }

    @AfterEach
    void stop() throws Exception {
        serving.close();
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    private static AdapterServing startServing(ActorSystem<SpawnProtocol.Command> system) {
        return AdapterServing.start(system, bootstrap, AdapterLoader.forEncoder(encoder), AdapterServingConfig.defaults()
                .withGate(new PromotionGate(0.005, 0.01)), TestIds.unique("adapter-serving-node"), blocking,
                Clock.systemUTC());
    }

    private AdapterPublished publish(long version, AdapterStatus status, List<AdapterFile> files, double held) {
        AdapterPublished event = Events.event(name, tenant, version, status, metrics(0.40, held), files);
        publisher.publish(event);
        return event;
    }

    private void awaitServing(String label) {
        Await.until(tenant + " served by " + label, BOUND, () -> serving.table().label(tenant).equals(label),
                () -> "(serving " + serving.table().label(tenant) + ")");
    }

    private AdapterView view() throws Exception {
        return serving.get(name).toCompletableFuture().get(10, TimeUnit.SECONDS).orElseThrow();
    }

    private void awaitVersion(long version) {
        Await.until(name + " v" + version + " known", BOUND, () -> {
            try {
                return view().version(version).isPresent();
            } catch (Exception e) {
                return false;
            }
        });
    }

    private float[] recallVector(String task) {
        try (ServingTable.Lease lease = serving.table().lease(tenant)) {
            return lease.embedderOr(encoder).embedQuery(task);
        }
    }

    @Test
    void aPublishedAdapterServesItsQueriesAndAGatedCandidateReplacesIt() throws Exception {
        float[] base = encoder.embedQuery("flutter of a heated wing");
        publish(1, AdapterStatus.PROMOTED, good1, 0.41);
        awaitServing(name + "/v1");
        float[] tuned = recallVector("flutter of a heated wing");
        assertThat(tuned).as("queries go through the adapter").isNotEqualTo(base);
        assertThat(encoder.embedDocuments(List.of("flutter of a heated wing")).get(0))
                .as("documents stay on the base model").isEqualTo(encoder.embedDocuments(
                        List.of("flutter of a heated wing")).get(0));

        publish(2, AdapterStatus.CANDIDATE, good2, 0.43);
        awaitServing(name + "/v2");
        assertThat(recallVector("flutter of a heated wing")).isNotEqualTo(tuned);
        Await.until("the gate's decision read back from the topic", BOUND,
                () -> "topic".equals(versionOrNull(2).decidedBy()));
        AdapterVersionView v2 = versionOrNull(2);
        assertThat(v2.status()).isEqualTo(AdapterStatus.PROMOTED);
        assertThat(v2.reason()).contains("0.4000 -> 0.4300");
        assertThat(view().serving()).isEqualTo(name + "/v2");
    }

    @Test
    void aRegressingCandidateIsRejectedByTheGateAndThePreviousVersionKeepsServing() throws Exception {
        publish(1, AdapterStatus.PROMOTED, good1, 0.41);
        awaitServing(name + "/v1");
        publish(2, AdapterStatus.CANDIDATE, good2, 0.38);
        awaitVersion(2);
        AdapterVersionView v2 = versionOrNull(2);
        assertThat(v2.status()).isEqualTo(AdapterStatus.REJECTED);
        assertThat(v2.decidedBy()).isIn("gate", "topic");
        assertThat(v2.reason()).contains("below the margin");
        assertThat(serving.table().label(tenant)).isEqualTo(name + "/v1");
    }

    @Test
    void corruptedAdaptersAreRejectedWithTheirReasonAndThePreviousVersionKeepsServing() throws Exception {
        publish(1, AdapterStatus.PROMOTED, good1, 0.41);
        awaitServing(name + "/v1");

        publish(2, AdapterStatus.PROMOTED, MiniLmAdapters.withNaN(good2), 0.45);
        publish(3, AdapterStatus.PROMOTED, MiniLmAdapters.withRank(good2, 4), 0.45);
        AdapterPublished v4 = Events.event(name, tenant, 4, AdapterStatus.PROMOTED, metrics(0.40, 0.45), good2);
        String json = new String(ContinualCodec.encode(v4), StandardCharsets.UTF_8)
                .replace(v4.payloadSha256(), "0".repeat(64));
        try (KafkaProducer<String, byte[]> raw = KafkaClientFactory.producer(bootstrap)) {
            raw.send(new ProducerRecord<>(Topics.ADAPTERS, 0, v4.key(), json.getBytes(StandardCharsets.UTF_8))).get();
        }
        awaitVersion(3);
        Await.until("the bad checksum listed", BOUND, () -> {
            try {
                return !view().rejections().isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
        AdapterView view = view();
        assertThat(view.version(2).orElseThrow().status()).isEqualTo(AdapterStatus.REJECTED);
        assertThat(view.version(2).orElseThrow().decidedBy()).isEqualTo("validation");
        assertThat(view.version(2).orElseThrow().reason()).containsIgnoringCase("nan");
        assertThat(view.version(3).orElseThrow().status()).isEqualTo(AdapterStatus.REJECTED);
        assertThat(view.version(3).orElseThrow().reason()).contains("invalid adapter files");
        assertThat(view.version(4)).isEmpty();
        assertThat(view.rejections()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(name + "/v4");
            assertThat(r.reason()).contains("payloadSha256");
        });
        assertThat(serving.table().label(tenant)).isEqualTo(name + "/v1");
        assertThat(view.serving()).isEqualTo(name + "/v1");
        assertThatThrownBy(() -> serving.pin(name, 2, "ana", "").toCompletableFuture().get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("cannot serve");
    }

    @Test
    void aPinHoldsAgainstLaterPromotionsAndSurvivesARestart() throws Exception {
        publish(1, AdapterStatus.PROMOTED, good1, 0.41);
        publish(2, AdapterStatus.PROMOTED, good2, 0.42);
        awaitServing(name + "/v2");
        AdapterView pinned = serving.pin(name, 1, "ana", "v2 hurts refunds").toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertThat(pinned.serving()).as("answered once applied here").isEqualTo(name + "/v1");
        assertThat(pinned.control().action()).isEqualTo("PIN");
        assertThat(serving.table().label(tenant)).isEqualTo(name + "/v1");

        stop();
        system = ActorSystem.create(SpawnProtocol.create(), "adapters-test-restarted");
        serving = startServing(system);
        awaitServing(name + "/v1");
        publish(3, AdapterStatus.PROMOTED, MiniLmAdapters.files(encoder, 8, 3), 0.43);
        awaitVersion(3);
        assertThat(serving.table().label(tenant)).as("still pinned after a restart").isEqualTo(name + "/v1");

        AdapterView unpinned = serving.unpin(name, "ana", "fixed").toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(unpinned.serving()).isEqualTo(name + "/v3");
        AdapterView rolledBack = serving.rollback(name, 2, "ana", "v3 is slow").toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertThat(rolledBack.serving()).isEqualTo(name + "/v2");
        assertThat(serving.table().label(tenant)).isEqualTo(name + "/v2");
    }

    @Test
    void recallsFromTwoThreadsDuringSwapsNeverFailAndNameALiveVersion() throws Exception {
        List<long[]> swapTimes = Collections.synchronizedList(new ArrayList<>());
        Map<String, long[]> live = new ConcurrentHashMap<>();
        live.put("base", new long[] {Long.MIN_VALUE, Long.MAX_VALUE});
        serving.table().onSwap(s -> {
            if (s.tenant().equals(tenant)) {
                live.computeIfPresent(s.previous(), (k, v) -> new long[] {v[0], s.nanoTime()});
                live.put(s.next(), new long[] {s.nanoTime(), Long.MAX_VALUE});
                swapTimes.add(new long[] {s.nanoTime()});
            }
        });
        record Seen(String label, long start, long end) {}
        List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failures = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    long start = System.nanoTime();
                    try (ServingTable.Lease lease = serving.table().lease(tenant)) {
                        float[] v = lease.embedderOr(encoder).embedQuery("shock waves on a swept wing");
                        if (v.length != 384) {
                            failures.incrementAndGet();
                        }
                        seen.add(new Seen(lease.label(), start, System.nanoTime()));
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        int versions = 4;
        for (int v = 1; v <= versions; v++) {
            publish(v, AdapterStatus.PROMOTED, v % 2 == 1 ? good1 : good2, 0.41 + v / 100.0);
            awaitServing(name + "/v" + v);
            int before = seen.size();
            Await.until("recalls on v" + v, BOUND, () -> seen.size() > before + 4);
        }
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertThat(failures).hasValue(0);
        assertThat(swapTimes).hasSize(versions);
        List<String> labels = new ArrayList<>();
        for (Seen s : new ArrayList<>(seen)) {
            long[] window = live.get(s.label());
            assertThat(window).as("%s was served at some point", s.label()).isNotNull();
            assertThat(window[0] <= s.end() && s.start() <= window[1])
                    .as("%s was live during the recall", s.label()).isTrue();
            if (labels.isEmpty() || !labels.get(labels.size() - 1).equals(s.label())) {
                labels.add(s.label());
            }
        }
        assertThat(seen.stream().map(Seen::label).distinct()).contains(name + "/v" + versions);
    }

    private AdapterVersionView versionOrNull(long version) {
        try {
            return view().version(version).orElse(null);
        } catch (Exception e) {
            return null;
        }
    }
}
