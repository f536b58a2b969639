package dev.engram.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.broker.EmbeddedKafka;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import dev.engram.streams.RetrievedCase;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedWorkerKeys;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SDK's Kafka side on a real broker: feedback events, and following published adapters. */
class RuntimeKafkaTest {

    private static final Instant AT = Instant.parse("2025-01-31T12:00:00Z");

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.startTemporary();
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void feedbackGoesOntoKafkaAsAValidEventWithItsIdempotentId() throws Exception {
        RecallResponse recall = new RecallResponse(
                "acme",
                "parcel arrived damaged",
                3,
                "hybrid",
                "base",
                1.0,
                List.of(recalled(1, "case-42")),
                List.of(recalled(2, "case-7")),
                List.of(recalled(1, "case-42"), recalled(2, "case-7")));
        Feedback feedback = Feedback.forRecall(recall)
                .plan("refunded")
                .outcome("happy")
                .reward(0.9)
                .useful("case-42", true)
                .timestamp(AT)
                .build();
        try (EngramClient client = EngramClient.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .agentId("agent-1")
                .build()) {
            assertThat(client.feedback(feedback)).isEqualTo(feedback.eventId());
            assertThat(client.feedbackAsync(feedback).get(30, TimeUnit.SECONDS))
                    .as("a resend, same id")
                    .isEqualTo(feedback.eventId());
        }

        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                KafkaClientFactory.consumer(kafka.bootstrapServers(), "test-feedback")) {
            consumer.subscribe(List.of(Topics.FEEDBACK));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < 2 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertThat(records).hasSize(2).allSatisfy(r -> {
            assertThat(r.key()).isEqualTo("acme");
            FeedbackEvent event = EventCodec.decodeFeedback(r.value());
            assertThat(event.eventId()).isEqualTo(feedback.eventId());
            assertThat(event.agentId()).isEqualTo("agent-1");
            assertThat(event.timestamp()).isEqualTo(AT);
            assertThat(event.reward()).isEqualTo(0.9);
            assertThat(event.retrieved())
                    .containsExactly(new RetrievedCase("case-42", 1, true), new RetrievedCase("case-7", 2, null));
        });
    }

    @Test
    void onAdapterDeliversOnlyWhatATrustedWorkerSignedAndSkipsCorruptUnsignedForgedAndSelfPromotedOnes()
            throws Exception {
        KeyPair worker = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair stranger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        AdapterPublished corrupt = AdapterSignature.sign(adapter(1, 1024 * 1024), worker);
        AdapterPublished first = AdapterSignature.sign(adapter(2, 2048), worker);
        AdapterPublished unsigned = adapter(3, 2048).withStatus(AdapterStatus.PROMOTED, "trust me");
        AdapterPublished selfPromoted = AdapterSignature.sign(adapter(4, 2048), worker)
                .withStatus(AdapterStatus.PROMOTED, "promoted by its publisher");
        AdapterPublished untrusted = AdapterSignature.sign(adapter(5, 2048), stranger);
        AdapterPublished forged = adapter(6, 4096).signed(first.signerKeyId(), first.signature());
        AdapterPublished otherTenant = AdapterSignature.sign(adapter(7, 2048, "evil"), worker);
        AdapterPublished good = AdapterSignature.sign(adapter(8, 1024 * 1024), worker);
        List<ProducerRecord<String, byte[]>> corruptRecords = recordsOf(corrupt);
        ObjectMapper json = new ObjectMapper();
        ObjectNode chunk = (ObjectNode) json.readTree(corruptRecords.get(1).value());
        byte[] bytes = Base64.getDecoder().decode(chunk.get("bytes").textValue());
        bytes[7] ^= 1;
        chunk.put("bytes", Base64.getEncoder().encodeToString(bytes));
        corruptRecords.set(
                1,
                new ProducerRecord<>(Topics.ADAPTERS, 0, corruptRecords.get(1).key(), json.writeValueAsBytes(chunk)));
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka.bootstrapServers())) {
            for (ProducerRecord<String, byte[]> r : corruptRecords) {
                producer.send(r).get();
            }
        }

        BlockingQueue<AdapterPublished> delivered = new LinkedBlockingQueue<>();
        try (EngramClient client = EngramClient.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .trustedWorkers(TrustedWorkerKeys.of(worker.getPublic()))
                        .agentId("agent-1")
                        .build();
                AdapterPublisher publisher =
                        AdapterPublisher.transactional(kafka.bootstrapServers(), "test-runtime-pub")) {
            assertThatThrownBy(() -> client.onAdapter(delivered::add))
                    .as("promotions come from a node")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("nodeUrl");
            Subscription everything = client.onAdapter(a -> a.adapterName().equals("sdk-retriever"), delivered::add);
            for (AdapterPublished a : List.of(first, unsigned, selfPromoted, untrusted, forged, otherTenant, good)) {
                publisher.publish(a);
            }

            assertThat(delivered.poll(30, TimeUnit.SECONDS))
                    .as("the first trusted candidate; the corrupt one was skipped")
                    .isEqualTo(first);
            AdapterPublished next = delivered.poll(30, TimeUnit.SECONDS);
            assertThat(next)
                    .as("the next trusted candidate, complete; everything between was skipped")
                    .isEqualTo(good);
            assertThat(next.file(AdapterFile.PEFT_WEIGHTS).orElseThrow().bytes())
                    .isEqualTo(good.file(AdapterFile.PEFT_WEIGHTS).orElseThrow().bytes());
            assertThat(delivered).isEmpty();
            assertThat(everything.isRunning()).isTrue();
            everything.close();
            assertThat(everything.isRunning()).isFalse();
        }
        try (EngramClient untrusting = EngramClient.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .agentId("agent-1")
                .build()) {
            assertThatThrownBy(() -> untrusting.onAdapter(a -> true, a -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("trustedWorkers");
        }
    }

    private static AdapterPublished adapter(long version, int weightBytes) {
        return adapter(version, weightBytes, "acme");
    }

    private static AdapterPublished adapter(long version, int weightBytes, String tenant) {
        byte[] weights = new byte[weightBytes];
        new Random(version).nextBytes(weights);
        return AdapterPublished.of(
                "sdk-retriever",
                tenant,
                version,
                null,
                "sentence-transformers/all-MiniLM-L6-v2",
                AdapterMethod.LORA_QUERY_SIDE,
                LoraTrainingConfig.defaults(),
                new AdapterMetrics(0.42, 0.40, 10, null, null, 0, null),
                AdapterStatus.CANDIDATE,
                "",
                "job-" + version,
                List.of(
                        new AdapterFile(AdapterFile.PEFT_CONFIG, "{}".getBytes()),
                        new AdapterFile(AdapterFile.PEFT_WEIGHTS, weights)),
                AT);
    }

    /** The records a publisher sends for {@code adapter}, captured with a mock producer. */
    private static List<ProducerRecord<String, byte[]>> recordsOf(AdapterPublished adapter) {
        Node node = new Node(0, "localhost", 9092);
        Cluster cluster = new Cluster(
                "mock",
                List.of(node),
                List.of(new PartitionInfo(Topics.ADAPTERS, 0, node, new Node[] {node}, new Node[] {node})),
                Set.of(),
                Set.of());
        MockProducer<String, byte[]> mock =
                new MockProducer<>(cluster, true, null, new StringSerializer(), new ByteArraySerializer());
        AdapterPublisher.over(mock).publish(adapter);
        return new ArrayList<>(mock.history());
    }

    private static RecalledCase recalled(int rank, String caseId) {
        return new RecalledCase(
                rank,
                caseId,
                "agent-3",
                "task",
                "plan",
                "outcome",
                0.8,
                AT,
                AT,
                1,
                1,
                0.03,
                rank == 1 ? "positive" : "negative",
                "bm25");
    }
}
