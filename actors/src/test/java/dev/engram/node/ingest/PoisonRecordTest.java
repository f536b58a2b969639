package dev.engram.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.memory.CaseStore;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.node.config.ResilienceConfig;
import dev.engram.node.http.HealthReport;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.GroupOffsets;
import dev.engram.node.testing.HttpCalls;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.StreamAssertions;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.TopicSpec;
import dev.engram.streams.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison records on a real broker, over four partitions, through the node's ingest path: no record
 * stalls its partition or any other, every poison is dead-lettered with the stage or field that
 * broke, every valid event is stored exactly once, and {@code /health} says DEGRADED while a
 * partition does not move and UP once it does.
 */
class PoisonRecordTest {

    private static final Duration BOUND = Duration.ofMinutes(2);
    private static ActorTestKit testKit;

    @TempDir
    Path dir;

    private final String topic = TestIds.unique("poison");
    private final String group = TestIds.unique("poison");
    private ExecutorService blocking;
    private ScheduledExecutorService scheduler;
    private CaseStore lucene;
    private FlakyCaseStore store;

    /** A record to send to one partition, and what its dead letter's reason must start with (null: valid). */
    private record Outgoing(int partition, String key, byte[] value, String reasonPrefix) {}

    @BeforeAll
    static void startTestKit() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stopTestKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        TopicAdmin.ensureTopics(
                SharedKafka.bootstrapServers(),
                List.of(new TopicSpec(
                        topic,
                        4,
                        TopicSpec.BROKER_DEFAULT_REPLICATION,
                        Topics.spec(Topics.FEEDBACK).configs())));
        blocking = Executors.newFixedThreadPool(2);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        lucene = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults());
        store = new FlakyCaseStore(lucene);
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
        scheduler.shutdownNow();
        blocking.shutdownNow();
    }

    @Test
    void everyPoisonIsDeadLetteredWithItsStageAndNoPartitionStalls(@TempDir Path referenceDir) throws Exception {
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("poison"), 4, 120, 8, 0, 11);
        List<String> tenants = List.copyOf(stream.tenants());
        FeedbackEvent storePoison = FeedbackEvent.of(
                tenants.get(1) + "-store-poison",
                tenants.get(1),
                "agent-1",
                Instant.parse("2026-01-02T00:00:00Z"),
                "a task the store cannot hold",
                "plan",
                "outcome",
                0.7,
                null);
        store.poisonEvents(storePoison.eventId());
        byte[] sample = stream.items().get(0).value();
        Map<Integer, List<Outgoing>> poison = Map.of(
                0,
                        List.of(
                                new Outgoing(
                                        0,
                                        tenants.get(0),
                                        "{\"eventId\": \"x\", not json".getBytes(StandardCharsets.UTF_8),
                                        "json: malformed JSON"),
                                new Outgoing(
                                        0, tenants.get(0), changed(sample, "reward", 1.5), "reward: must be in [0, 1]"),
                                // Instant holds it, an epoch millisecond does not: caught before the store.
                                new Outgoing(
                                        0,
                                        tenants.get(0),
                                        changed(sample, "timestamp", "+300000000-01-01T00:00:00Z"),
                                        "timestamp: must be between")),
                1,
                        List.of(new Outgoing(
                                1,
                                tenants.get(1),
                                EventCodec.encode(storePoison),
                                "store: java.lang.ArithmeticException: long overflow")),
                // Near the feedback topic's limit, with a key that JSON escapes six-fold: whole, its dead
                // letter (key twice, original base64) is more than the dead-letter topic's 2 MiB.
                2, List.of(new Outgoing(2, "\u0001".repeat(200_000), filled(800_000), "json: event is 800000 bytes")),
                3,
                        List.of(new Outgoing(
                                3,
                                tenants.get(3),
                                changed(sample, "timestamp", "-300000000-01-01T00:00:00Z"),
                                "timestamp: must be between")));
        List<Outgoing> corpus = mixed(stream, tenants, poison);
        ResilienceConfig config = ResilienceConfig.defaults()
                .withStoreWrite(2, Duration.ofMillis(10), 2.0, Duration.ofMillis(50))
                .withPartitionRetry(3, Duration.ofSeconds(1), Duration.ofSeconds(2));

        try (IngestPipeline pipeline = new IngestPipeline(testKit, store, topic, group, config, blocking, scheduler);
                GroupOffsets offsets = new GroupOffsets(SharedKafka.bootstrapServers(), group)) {
            List<RecordMetadata> sent = send(corpus);

            // Partition 1 holds a record the store fails on: retried, it does not move, and health says so.
            AtomicReference<HttpCalls.Answer> degraded = new AtomicReference<>();
            Await.until(
                    "/health to say DEGRADED naming partition 1",
                    BOUND,
                    () -> {
                        HttpCalls.Answer answer = HttpCalls.get(pipeline.healthUrl());
                        degraded.set(answer);
                        return answer.json().path("status").asText().equals(HealthReport.DEGRADED);
                    },
                    () -> String.valueOf(degraded.get()));
            assertThat(degraded.get().status()).isEqualTo(200);
            JsonNode stalled = degraded.get().json().path("stalledPartitions");
            assertThat(stalled).hasSize(1);
            assertThat(stalled.get(0).path("partition").asText()).isEqualTo(topic + "-1");
            assertThat(stalled.get(0).path("lastError").asText())
                    .startsWith("store: ")
                    .contains("long overflow");

            // It is then isolated, its poison dead-lettered, and every partition reaches its end.
            Await.until(
                    "every partition committed to its end",
                    BOUND,
                    () -> offsets.reached(endOffsets(sent)),
                    () -> "committed " + offsets.committed() + ", sent " + endOffsets(sent));
            Await.until(
                    "/health to say UP again",
                    BOUND,
                    () -> pipeline.health().up(),
                    () -> String.valueOf(pipeline.health()));
            HttpCalls.Answer up = HttpCalls.get(pipeline.healthUrl());
            assertThat(up.status()).isEqualTo(200);
            assertThat(up.json().path("status").asText()).isEqualTo("UP");
            assertThat(up.json().path("stalledPartitions")).isEmpty();

            try (CaseStore reference = stream.referenceStore(referenceDir)) {
                StreamAssertions.assertExactlyOnce(lucene, reference, stream);
            }
            assertThat(lucene.get(tenants.get(1), storePoison.eventId())).isEmpty();

            Map<String, ConsumerRecord<String, byte[]>> letters = deadLettersOf(topic);
            Map<String, Outgoing> expected = new HashMap<>();
            for (int i = 0; i < corpus.size(); i++) {
                if (corpus.get(i).reasonPrefix() != null) {
                    expected.put(sent.get(i).partition() + "@" + sent.get(i).offset(), corpus.get(i));
                }
            }
            assertThat(letters.keySet()).as("dead-lettered positions").isEqualTo(expected.keySet());
            expected.forEach((position, poisoned) -> {
                DeadLetter letter =
                        EventCodec.decodeDeadLetter(letters.get(position).value());
                assertThat(letter.reason()).as("reason at %s", position).startsWith(poisoned.reasonPrefix());
                assertThat(letter.original()).as("original at %s", position).isEqualTo(poisoned.value());
                assertThat(letters.get(position).key())
                        .as("record key at %s", position)
                        .isEqualTo(poisoned.key());
                if (poisoned.partition() == 2) {
                    // Shrunk to fit: the key travels once, as the record key; the original fits whole.
                    assertThat(letter.key()).isNull();
                    assertThat(letter.reason())
                            .contains("dead letter shrunk to fit its topic", "the key travels only as the record key");
                    assertThat(letters.get(position).serializedKeySize()
                                    + letters.get(position).serializedValueSize())
                            .isLessThanOrEqualTo(
                                    Topics.spec(Topics.DEAD_LETTERS).maxMessageBytes());
                } else {
                    assertThat(letter.key()).isEqualTo(poisoned.key());
                }
            });
            assertThat(pipeline.metrics.deadLettersShrunkTotal()).isGreaterThanOrEqualTo(1);
            assertThat(pipeline.metrics.deadLettersSkippedTotal()).isZero();
            // Partition 1 spent its retries (engram.ingest.partition) before the record was isolated.
            assertThat(pipeline.resilience.ingestPartitionRetry().getMetrics().getNumberOfFailedCallsWithRetryAttempt())
                    .isEqualTo(1);
            assertThat(pipeline.metrics.scrape()).contains("engram_ingest_partitions_stalled 0.0");
        }
    }

    @Test
    void healthIsDegradedWhileAPartitionFailsAndTheOthersMoveOnAndUpOnceItMoves(@TempDir Path referenceDir)
            throws Exception {
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("stall"), 4, 80, 0, 0, 12);
        List<String> tenants = List.copyOf(stream.tenants());
        List<Outgoing> corpus = mixed(stream, tenants, Map.of());
        long inPartition3 = corpus.stream().filter(o -> o.partition() == 3).count();
        // Partition 3's tenant fails until the test heals it; its attempts outlast the test, so it never
        // isolates. Each delivery is in flight for its store-write retry's backoff (200 ms).
        store.failIngestsOf(tenants.get(3), Integer.MAX_VALUE);
        ResilienceConfig config = ResilienceConfig.defaults()
                .withStoreWrite(2, Duration.ofMillis(200), 2.0, Duration.ofMillis(200))
                .withPartitionRetry(10_000, Duration.ofMillis(100), Duration.ofMillis(300));

        try (IngestPipeline pipeline = new IngestPipeline(testKit, store, topic, group, config, blocking, scheduler);
                GroupOffsets offsets = new GroupOffsets(SharedKafka.bootstrapServers(), group)) {
            List<RecordMetadata> sent = send(corpus);
            Map<TopicPartition, Long> end = endOffsets(sent);
            Map<TopicPartition, Long> othersEnd = new HashMap<>(end);
            othersEnd.remove(new TopicPartition(topic, 3));

            AtomicReference<HttpCalls.Answer> health = new AtomicReference<>();
            AtomicReference<String> metrics = new AtomicReference<>();
            Await.until(
                    "the other partitions at their end while partition 3 is DEGRADED and lags",
                    BOUND,
                    () -> {
                        health.set(HttpCalls.get(pipeline.healthUrl()));
                        metrics.set(pipeline.metrics.scrape());
                        return offsets.reached(othersEnd)
                                && health.get().json().path("status").asText().equals(HealthReport.DEGRADED)
                                && pipeline.metrics.consumerLag() == inPartition3
                                && metrics.get()
                                        .contains("engram_consumer_partition_lag{partition=\"" + topic + "-3\"} "
                                                + (double) inPartition3);
                    },
                    () -> "committed " + offsets.committed() + ", health " + health.get() + ", lag "
                            + pipeline.metrics.consumerLag());
            assertThat(health.get().status()).isEqualTo(200);
            JsonNode stalled = health.get().json().path("stalledPartitions");
            assertThat(stalled).hasSize(1);
            assertThat(stalled.get(0).path("partition").asText()).isEqualTo(topic + "-3");
            assertThat(stalled.get(0).path("isolating").asBoolean()).isFalse();
            assertThat(stalled.get(0).path("failedDeliveries").asInt()).isPositive();
            assertThat(stalled.get(0).path("lastError").asText())
                    .startsWith("store: ")
                    .contains("injected disk failure for tenant " + tenants.get(3));
            assertThat(Instant.parse(stalled.get(0).path("since").asText())).isBefore(Instant.now());
            assertThat(metrics.get())
                    .contains(
                            "engram_ingest_partitions_stalled 1.0",
                            "engram_consumer_partition_lag{partition=\"" + topic + "-0\"} 0.0");
            assertThat(offsets.committed()).doesNotContainKey(new TopicPartition(topic, 3));
            // However often partition 3 is fetched again, its records are not durable: the lag says so throughout.
            int failedSoFar = stalled.get(0).path("failedDeliveries").asInt();
            List<Long> lags = new ArrayList<>();
            Await.until("partition 3 to fail 8 more deliveries", BOUND, () -> {
                lags.add(pipeline.metrics.consumerLag());
                return pipeline.health().stalledPartitions().get(0).failedDeliveries() >= failedSoFar + 8;
            });
            assertThat(lags).hasSizeGreaterThan(8).containsOnly(inPartition3);
            assertThat(lucene.count(tenants.get(3))).isZero();
            for (String tenant : tenants.subList(0, 3)) {
                assertThat(lucene.count(tenant))
                        .as("cases of %s", tenant)
                        .isEqualTo(stream.idsOf(tenant).size());
            }

            store.failIngestsOf(tenants.get(3), 0);

            Await.until(
                    "every partition committed to its end, and /health UP",
                    BOUND,
                    () -> offsets.reached(end) && pipeline.health().up() && pipeline.metrics.consumerLag() == 0,
                    () -> "committed " + offsets.committed() + ", health " + pipeline.health());
            HttpCalls.Answer up = HttpCalls.get(pipeline.healthUrl());
            assertThat(up.status()).isEqualTo(200);
            assertThat(up.json().path("status").asText()).isEqualTo("UP");
            try (CaseStore reference = stream.referenceStore(referenceDir)) {
                StreamAssertions.assertExactlyOnce(lucene, reference, stream);
            }
            assertThat(deadLettersOf(topic))
                    .as("nothing valid is dead-lettered")
                    .isEmpty();
            assertThat(pipeline.resilience
                            .ingestPartitionRetry()
                            .getMetrics()
                            .getNumberOfSuccessfulCallsWithRetryAttempt())
                    .isEqualTo(1);
            assertThat(pipeline.metrics.scrape()).contains("engram_ingest_partitions_stalled 0.0");
        }
    }

    /** The stream's items on the partition of their tenant (tenant i on partition i), each partition's poison after its 8th. */
    private static List<Outgoing> mixed(
            FeedbackStream stream, List<String> tenants, Map<Integer, List<Outgoing>> poison) {
        List<Outgoing> out = new ArrayList<>();
        Map<Integer, Integer> seen = new HashMap<>();
        for (FeedbackStream.Item item : stream.items()) {
            int partition = tenants.indexOf(item.key());
            out.add(new Outgoing(partition, item.key(), item.value(), null));
            if (seen.merge(partition, 1, Integer::sum) == 8) {
                out.addAll(poison.getOrDefault(partition, List.of()));
            }
        }
        return out;
    }

    private List<RecordMetadata> send(List<Outgoing> corpus) throws Exception {
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers())) {
            List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
            for (Outgoing o : corpus) {
                acks.add(producer.send(new ProducerRecord<>(topic, o.partition(), o.key(), o.value())));
            }
            producer.flush();
            List<RecordMetadata> sent = new ArrayList<>();
            for (java.util.concurrent.Future<RecordMetadata> ack : acks) {
                sent.add(ack.get(60, TimeUnit.SECONDS));
            }
            return sent;
        }
    }

    private static Map<TopicPartition, Long> endOffsets(List<RecordMetadata> sent) {
        Map<TopicPartition, Long> end = new HashMap<>();
        sent.forEach(m -> end.merge(new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max));
        return end;
    }

    /** The dead letters of {@code sourceTopic} as records, by "partition@offset" (the first of duplicates). */
    private static Map<String, ConsumerRecord<String, byte[]>> deadLettersOf(String sourceTopic) {
        Map<String, ConsumerRecord<String, byte[]>> letters = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> consumer =
                KafkaClientFactory.consumer(SharedKafka.bootstrapServers(), null)) {
            List<TopicPartition> partitions = List.of(new TopicPartition(Topics.DEAD_LETTERS, 0));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long end = consumer.endOffsets(partitions).get(partitions.get(0));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.position(partitions.get(0)) < end) {
                assertThat(System.nanoTime())
                        .as("reading the dead-letter topic to its end")
                        .isLessThan(deadline);
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    DeadLetter letter = EventCodec.decodeDeadLetter(r.value());
                    if (letter.sourceTopic().equals(sourceTopic)) {
                        letters.putIfAbsent(letter.partition() + "@" + letter.offset(), r);
                    }
                }
            }
        }
        return letters;
    }

    private static byte[] changed(byte[] event, String field, Object value) {
        try {
            ObjectNode json = (ObjectNode) EventCodec.mapper().readTree(event);
            json.put("eventId", json.path("eventId").asText() + "-bad-" + field);
            if (value instanceof Double d) {
                json.put(field, d);
            } else {
                json.put(field, (String) value);
            }
            return EventCodec.mapper().writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] filled(int size) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) 'x');
        return bytes;
    }
}
