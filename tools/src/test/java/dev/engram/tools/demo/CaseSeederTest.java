package dev.engram.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.node.testing.TopicRecords;
import dev.engram.retriever.eval.Document;
import dev.engram.streams.EventCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.TopicSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * The demo's producer against a real broker: events a try could not deliver (here: a first
 * producer pointed at a port where no broker answers) are sent again by a new producer and arrive
 * once each; a broker that never answers fails the demo after the last try, naming the cause.
 */
class CaseSeederTest {

    private static final List<Document> DOCS = IntStream.rangeClosed(1, 8)
            .mapToObj(i -> new Document(String.valueOf(i), "title " + i, "abstract number " + i))
            .toList();

    @Test
    void eventsATryCouldNotDeliverAreSentAgainByANewProducerAndArriveOnce() {
        String bootstrap = SharedKafka.bootstrapServers();
        String topic = TestIds.unique("seeder-test");
        TopicAdmin.ensureTopics(
                bootstrap, List.of(new TopicSpec(topic, 2, TopicSpec.BROKER_DEFAULT_REPLICATION, Map.of())));
        String tenant = TestIds.unique("seeder");
        AtomicInteger made = new AtomicInteger();
        Supplier<Producer<String, byte[]>> producers =
                () -> made.getAndIncrement() == 0 ? unanswered() : KafkaClientFactory.producer(bootstrap);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        new CaseSeeder(new PrintStream(printed, true, StandardCharsets.UTF_8), false)
                .produce(producers, topic, bootstrap, tenant, DOCS);

        assertThat(made.get())
                .as("one producer per try: the failed one, then one that delivered")
                .isEqualTo(2);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("8 of 8 events not acknowledged", "sending them again with a new producer");
        assertThat(eventIds(bootstrap, topic))
                .containsExactlyInAnyOrderElementsOf(
                        DOCS.stream().map(d -> CranfieldEvents.eventId(d.id())).toList());
    }

    @Test
    void aBrokerThatNeverAnswersFailsAfterTheLastTryWithTheCause() {
        AtomicInteger made = new AtomicInteger();
        Supplier<Producer<String, byte[]>> producers = () -> {
            made.incrementAndGet();
            return unanswered();
        };
        CaseSeeder seeder = new CaseSeeder(new PrintStream(new ByteArrayOutputStream()), false);

        assertThatThrownBy(() -> seeder.produce(producers, "engram.feedback", "nowhere", "t", DOCS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sending the Cranfield events to engram.feedback on nowhere failed (try 3 of 3)")
                .hasMessageContaining("not present in metadata");
        assertThat(made.get()).isEqualTo(CaseSeeder.SEND_ATTEMPTS);
    }

    /** A producer for a loopback port where nothing listens: every send fails, retriably, within 100 ms. */
    private static Producer<String, byte[]> unanswered() {
        return KafkaClientFactory.producer(
                "127.0.0.1:" + closedPort(), Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 100));
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> eventIds(String bootstrap, String topic) {
        return TopicRecords.values(bootstrap, topic).stream()
                .map(v -> EventCodec.decodeFeedback(v).eventId())
                .toList();
    }
}
