package dev.engram.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.config.ResilienceConfig;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.internal.ResilienceRegistries;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.TopicSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Dead letters that their topic cannot hold, on a real broker with a dead-letter topic of 4 KiB:
 * each is delivered in a shape that fits and says so, or, when nothing fits, skipped and counted,
 * and publishing never fails for it (which would redeliver its batch forever).
 */
class KafkaDeadLetterSinkTest {

    private static final int TOPIC_BYTES = 4096;
    private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    private final String topic = TestIds.unique("small-dead-letters");
    private final NodeMetrics metrics = new NodeMetrics();
    private ExecutorService blocking;
    private ScheduledExecutorService scheduler;
    private ResilienceRegistries resilience;

    @BeforeEach
    void setUp() {
        TopicAdmin.ensureTopics(
                SharedKafka.bootstrapServers(),
                List.of(new TopicSpec(
                        topic,
                        1,
                        TopicSpec.BROKER_DEFAULT_REPLICATION,
                        Map.of("max.message.bytes", String.valueOf(TOPIC_BYTES)))));
        blocking = Executors.newFixedThreadPool(2);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        resilience = new ResilienceRegistries(ResilienceConfig.defaults(), metrics.registry());
    }

    @AfterEach
    void tearDown() {
        scheduler.shutdownNow();
        blocking.shutdownNow();
    }

    private KafkaDeadLetterSink sink(int declaredBytes) {
        return new KafkaDeadLetterSink(
                KafkaClientFactory.producer(SharedKafka.bootstrapServers()),
                topic,
                declaredBytes,
                resilience.deadLetterRetry(),
                resilience.deadLetterBreaker(),
                resilience.deadLetterTimeLimiter(),
                scheduler,
                blocking,
                metrics);
    }

    private static DeadLetter letter(long offset, String key, int originalBytes, String reason) {
        byte[] original = new byte[originalBytes];
        new Random(offset).nextBytes(original);
        return new DeadLetter("engram.feedback", 1, offset, key, original, reason, AT);
    }

    @Test
    void aLetterTooLargeForItsTopicIsShrunkOrStrippedAndOneThatNothingFitsIsSkipped() throws Exception {
        DeadLetter fits = letter(1, "acme", 100, "reward: must be in [0, 1], was 1.5");
        DeadLetter cut = letter(2, "acme", 10_000, "json: malformed JSON");
        DeadLetter longKey = letter(3, "k".repeat(5_000), 10, "store: java.lang.ArithmeticException: long overflow");
        // Even stripped, a reason of control characters (six bytes each in JSON) is more than 4 KiB.
        DeadLetter hopeless = letter(4, "acme", 10, "\u0001".repeat(1_000));
        try (KafkaDeadLetterSink sink = sink(TOPIC_BYTES)) {
            sink.publish(List.of(fits, cut, longKey, hopeless))
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
        }

        List<ConsumerRecord<String, byte[]>> records = readAll();
        assertThat(records).hasSize(3);
        assertThat(records)
                .allSatisfy(r -> assertThat(r.serializedKeySize() + r.serializedValueSize())
                        .isLessThanOrEqualTo(TOPIC_BYTES));
        ConsumerRecord<String, byte[]> whole = at(records, 1);
        assertThat(whole.key()).isEqualTo("acme");
        assertThat(EventCodec.decodeDeadLetter(whole.value())).isEqualTo(fits);

        ConsumerRecord<String, byte[]> shrunk = at(records, 2);
        DeadLetter shrunkLetter = EventCodec.decodeDeadLetter(shrunk.value());
        assertThat(shrunk.key()).isEqualTo("acme");
        assertThat(shrunkLetter.key())
                .as("the key travels once, as the record key")
                .isNull();
        assertThat(shrunkLetter.reason())
                .startsWith("json: malformed JSON; dead letter shrunk to fit its topic")
                .contains("of 10000 bytes followed by " + DeadLetter.TRUNCATION_MARKER);
        assertThat(new String(shrunkLetter.original(), java.nio.charset.StandardCharsets.ISO_8859_1))
                .endsWith(DeadLetter.TRUNCATION_MARKER);

        ConsumerRecord<String, byte[]> stripped = at(records, 3);
        DeadLetter strippedLetter = EventCodec.decodeDeadLetter(stripped.value());
        assertThat(stripped.key()).isNull();
        assertThat(strippedLetter.key()).isNull();
        assertThat(strippedLetter.original()).isEmpty();
        assertThat(strippedLetter.reason())
                .startsWith("store: java.lang.ArithmeticException: long overflow;")
                .contains("key and original left out (read them at engram.feedback-1@3)");

        assertThat(metrics.deadLettersShrunkTotal()).isEqualTo(3);
        assertThat(metrics.deadLettersSkippedTotal()).isEqualTo(1);
    }

    @Test
    void aTopicThatHoldsLessThanDeclaredGetsTheLetterStrippedAndWhatItRefusesEvenSoIsSkipped() throws Exception {
        DeadLetter refused = letter(5, "acme", 10_000, "json: malformed JSON");
        DeadLetter hopeless = letter(6, "acme", 10, "\u0001".repeat(1_000));
        // Declared 1 MiB, so both are sent whole; the broker refuses them as too large.
        try (KafkaDeadLetterSink sink = sink(1024 * 1024)) {
            sink.publish(List.of(refused, hopeless)).toCompletableFuture().get(60, TimeUnit.SECONDS);
        }

        List<ConsumerRecord<String, byte[]>> records = readAll();
        assertThat(records).hasSize(1);
        DeadLetter stripped = EventCodec.decodeDeadLetter(at(records, 5).value());
        assertThat(at(records, 5).key()).isNull();
        assertThat(stripped.original()).isEmpty();
        assertThat(stripped.reason()).startsWith("json: malformed JSON; dead letter stripped to fit its topic");
        assertThat(metrics.deadLettersShrunkTotal()).isEqualTo(2);
        assertThat(metrics.deadLettersSkippedTotal()).isEqualTo(1);
    }

    private static ConsumerRecord<String, byte[]> at(List<ConsumerRecord<String, byte[]>> records, long sourceOffset) {
        return records.stream()
                .filter(r -> EventCodec.decodeDeadLetter(r.value()).offset() == sourceOffset)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no dead letter for offset " + sourceOffset));
    }

    private List<ConsumerRecord<String, byte[]>> readAll() {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                KafkaClientFactory.consumer(SharedKafka.bootstrapServers(), null)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.position(tp) < end) {
                assertThat(System.nanoTime())
                        .as("reading " + topic + " to its end")
                        .isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
