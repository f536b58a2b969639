package dev.engram.runtime;

import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AdapterStatus;
import dev.engram.broker.EmbeddedKafka;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.RetrievedCase;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
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
    RecallResponse recall = new RecallResponse("acme", "parcel arrived damaged", 3, "hybrid", "base", 1.0,
        List.of(recalled(1, "case-42")), List.of(recalled(2, "case-7")), List.of(recalled(1, "case-42"),
        recalled(2, "case-7")));
    Feedback feedback = Feedback.forRecall(recall).plan("refunded").outcome("happy").reward(0.9)
        .useful("case-42", true).timestamp(AT).build();
    try (EngramClient client = EngramClient.builder().bootstrapServers(kafka.bootstrapServers())
        .agentId("agent-1").build()) {
      assertThat(client.feedback(feedback)).isEqualTo(feedback.eventId());
      assertThat(client.feedbackAsync(feedback).get(30, TimeUnit.SECONDS)).as("a resend, same id")
          .isEqualTo(feedback.eventId());
    }

    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(kafka.bootstrapServers(), "test-feedback")) {
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
      assertThat(event.retrieved()).containsExactly(new RetrievedCase("case-42", 1, true),
          new RetrievedCase("case-7", 2, null));
    });
  }

  @Test
  void onAdapterDeliversVerifiedPromotedAdaptersAndSkipsACorruptOne() throws Exception {
    AdapterPublished corrupt = adapter(1, 1024 * 1024, AdapterStatus.PROMOTED);
    AdapterPublished candidate = adapter(2, 2048, AdapterStatus.CANDIDATE);
    AdapterPublished promoted = adapter(3, 1024 * 1024, AdapterStatus.PROMOTED);
    List<ProducerRecord<String, byte[]>> corruptRecords = recordsOf(corrupt);
    ObjectMapper json = new ObjectMapper();
    ObjectNode chunk = (ObjectNode) json.readTree(corruptRecords.get(1).value());
    byte[] bytes = Base64.getDecoder().decode(chunk.get("bytes").textValue());
    bytes[7] ^= 1;
    chunk.put("bytes", Base64.getEncoder().encodeToString(bytes));
    corruptRecords.set(1, new ProducerRecord<>(Topics.ADAPTERS, 0, corruptRecords.get(1).key(), json.writeValueAsBytes(chunk)));
    try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(kafka.bootstrapServers())) {
      for (ProducerRecord<String, byte[]> r : corruptRecords) {
        producer.send(r).get();
      }
    }

    BlockingQueue<AdapterPublished> promotedOnly = new LinkedBlockingQueue<>();
    BlockingQueue<AdapterPublished> all = new LinkedBlockingQueue<>();
    try (EngramClient client = EngramClient.builder().bootstrapServers(kafka.bootstrapServers())
            .agentId("agent-1").build();
         AdapterPublisher publisher = AdapterPublisher.transactional(kafka.bootstrapServers(), "test-runtime-pub")) {
      Subscription defaults = client.onAdapter(promotedOnly::add);
      Subscription everything = client.onAdapter(a -> a.adapterName().equals("sdk-retriever"), all::add);
      publisher.publish(candidate);
      publisher.publish(promoted);

      AdapterPublished first = promotedOnly.poll(30, TimeUnit.SECONDS);
      assertThat(first).as("the promoted adapter, complete; the corrupt one was skipped").isEqualTo(promoted);
      assertThat(first.file(AdapterFile.PEFT_WEIGHTS).orElseThrow().bytes())
          .isEqualTo(promoted.file(AdapterFile.PEFT_WEIGHTS).orElseThrow().bytes());
      assertThat(all.poll(30, TimeUnit.SECONDS)).isEqualTo(candidate);
      assertThat(all.poll(30, TimeUnit.SECONDS)).isEqualTo(promoted);
      assertThat(promotedOnly).isEmpty();
      assertThat(defaults.isRunning()).isTrue();

      defaults.close();
      assertThat(defaults.isRunning()).isFalse();
      assertThat(everything.isRunning()).isTrue();
    }
  }

  private static AdapterPublished adapter(long version, int weightBytes, AdapterStatus status) {
    byte[] weights = new byte[weightBytes];
    new Random(version).nextBytes(weights);
    AdapterPublished a = AdapterPublished.of("sdk-retriever", "acme", version, null, "sentence-transformers/all-MiniLM-L6-v2",
        AdapterMethod.LORA_QUERY_SIDE, LoraTrainingConfig.defaults(), new AdapterMetrics(0.42, 0.40, 10, null, null, 0, null),
        AdapterStatus.CANDIDATE, "", "job-" + version, List.of(new AdapterFile(AdapterFile.PEFT_CONFIG, "{}".getBytes()),
            new AdapterFile(AdapterFile.PEFT_WEIGHTS, weights)), AT);
    return a.withStatus(status, status == AdapterStatus.PROMOTED ? "held-out +2 points" : "");
  }

  /** The records a publisher sends for {@code adapter}, captured with a mock producer. */
  private static List<ProducerRecord<String, byte[]>> recordsOf(AdapterPublished adapter) {
    Node node = new Node(0, "localhost", 9092);
    Cluster cluster = new Cluster("mock", List.of(node), List.of(new PartitionInfo(Topics.ADAPTERS, 0, node,
        new Node[] {node}, new Node[] {node})), Set.of(), Set.of());
    MockProducer<String, byte[]> mock = new MockProducer<>(cluster, true, null, new StringSerializer(),
        new ByteArraySerializer());
    AdapterPublisher.over(mock).publish(adapter);
    return new ArrayList<>(mock.history());
  }

  private static RecalledCase recalled(int rank, String caseId) {
    return new RecalledCase(rank, caseId, "agent-3", "task", "plan", "outcome", 0.8, AT, AT, 1, 1, 0.03,
        rank == 1 ? "positive" : "negative", "bm25");
  }

}
