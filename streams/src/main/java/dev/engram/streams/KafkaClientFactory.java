package dev.engram.streams;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Producers and consumers with Engram's safe defaults: keys are strings (tenant, adapter name),
 * values are the bytes that {@link EventCodec} writes.
 *
 * <pre>{@code
 * try (var producer = KafkaClientFactory.producer(bootstrap)) {
 *   producer.send(new ProducerRecord<>(Topics.FEEDBACK, event.tenant(), EventCodec.encode(event))).get();
 * }
 * try (var consumer = KafkaClientFactory.consumer(bootstrap, "engram-ingest")) {
 *   consumer.subscribe(List.of(Topics.FEEDBACK));
 *   var records = consumer.poll(Duration.ofSeconds(1));
 *   // ... make what they carry durable, then:
 *   consumer.commitSync();
 * }
 * }</pre>
 *
 * <p>Producer: idempotent, {@code acks=all}, unlimited retries within a 2-minute delivery timeout,
 * a short linger to batch, and {@code max.request.size} as large as the largest topic's
 * {@code max.message.bytes} ({@link Topics#largestMaxMessageBytes()}), so an adapter fits.
 *
 * <p>Consumer: manual commits only ({@code enable.auto.commit=false}: commit after the work is
 * durable), {@code read_committed} (never sees aborted transactional writes), and
 * {@code auto.offset.reset=earliest} (a new group starts at the beginning, so nothing is skipped).
 *
 * <p>The overloads take overrides that win over these defaults; serializers cannot be overridden,
 * since the types are fixed.
 */
public final class KafkaClientFactory {

  private static final List<String> FIXED = List.of(
      ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
      ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);

  private KafkaClientFactory() {}

  /** A producer with the defaults above. */
  public static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
    return producer(bootstrapServers, Map.of());
  }

  /** A producer with the defaults above, then {@code overrides} (e.g. a {@code transactional.id}). */
  public static KafkaProducer<String, byte[]> producer(String bootstrapServers, Map<String, Object> overrides) {
    return new KafkaProducer<>(producerConfig(bootstrapServers, overrides));
  }

  /**
   * A consumer in group {@code groupId} with the defaults above.
   *
   * @param groupId the consumer group; null for a consumer without a group that uses
   *     {@code assign()} and keeps its own position (e.g. a node reading all adapters)
   */
  public static KafkaConsumer<String, byte[]> consumer(String bootstrapServers, String groupId) {
    return consumer(bootstrapServers, groupId, Map.of());
  }

  /** A consumer with the defaults above, then {@code overrides} (e.g. {@code max.poll.records}). */
  public static KafkaConsumer<String, byte[]> consumer(String bootstrapServers, String groupId,
      Map<String, Object> overrides) {
    return new KafkaConsumer<>(consumerConfig(bootstrapServers, groupId, overrides));
  }

  /** The complete producer configuration {@link #producer(String, Map)} uses. */
  public static Map<String, Object> producerConfig(String bootstrapServers, Map<String, Object> overrides) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, requireServers(bootstrapServers));
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    config.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.largestMaxMessageBytes());
    // Room for a few full-size adapter chunks in flight next to ordinary batches.
    config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
    putOverrides(config, overrides);
    return config;
  }

  /** The complete consumer configuration {@link #consumer(String, String, Map)} uses. */
  public static Map<String, Object> consumerConfig(String bootstrapServers, String groupId,
      Map<String, Object> overrides) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, requireServers(bootstrapServers));
    if (groupId != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    }
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    putOverrides(config, overrides);
    return config;
  }

  private static String requireServers(String bootstrapServers) {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrapServers: required, e.g. \"localhost:9092\"");
    }
    return bootstrapServers;
  }

  private static void putOverrides(Map<String, Object> config, Map<String, Object> overrides) {
    for (Map.Entry<String, Object> e : overrides.entrySet()) {
      if (FIXED.contains(e.getKey())) {
        throw new IllegalArgumentException(e.getKey() + ": cannot be overridden, the client's "
            + "types are fixed (String keys, byte[] values)");
      }
      config.put(e.getKey(), e.getValue());
    }
  }
}
