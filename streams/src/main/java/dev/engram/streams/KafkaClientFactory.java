package dev.engram.streams;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
 *
 * <p><b>Security.</b> The overloads that take a {@link KafkaConnection} lay its client properties
 * (SASL, SSL, ...) over the defaults and the overrides, so a default never replaces a security
 * setting. The properties may not set the keys Engram owns ({@link KafkaConnection#ENGRAM_OWNED});
 * where they set a key that the code also sets for this client (e.g. {@code max.poll.records}) to a
 * different value, the client is refused with a message naming both, rather than one silently
 * winning. Admin clients ({@link #adminConfig}) get the same properties.
 *
 * <pre>{@code
 * KafkaConnection kafka = KafkaConnection.of("kafka-1:9093", Path.of("client.properties"));
 * try (var producer = KafkaClientFactory.producer(kafka)) { ... }
 * }</pre>
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
    public static KafkaConsumer<String, byte[]> consumer(
            String bootstrapServers, String groupId, Map<String, Object> overrides) {
        return new KafkaConsumer<>(consumerConfig(bootstrapServers, groupId, overrides));
    }

    /** A producer with the defaults above and {@code kafka}'s client properties. */
    public static KafkaProducer<String, byte[]> producer(KafkaConnection kafka) {
        return producer(kafka, Map.of());
    }

    /** A producer with the defaults above, then {@code overrides}, then {@code kafka}'s client properties. */
    public static KafkaProducer<String, byte[]> producer(KafkaConnection kafka, Map<String, Object> overrides) {
        return new KafkaProducer<>(producerConfig(kafka, overrides));
    }

    /** A consumer in group {@code groupId} (null for none) with {@code kafka}'s client properties. */
    public static KafkaConsumer<String, byte[]> consumer(KafkaConnection kafka, String groupId) {
        return consumer(kafka, groupId, Map.of());
    }

    /** A consumer with the defaults above, then {@code overrides}, then {@code kafka}'s client properties. */
    public static KafkaConsumer<String, byte[]> consumer(
            KafkaConnection kafka, String groupId, Map<String, Object> overrides) {
        return new KafkaConsumer<>(consumerConfig(kafka, groupId, overrides));
    }

    /** The complete producer configuration {@link #producer(KafkaConnection, Map)} uses. */
    public static Map<String, Object> producerConfig(KafkaConnection kafka, Map<String, Object> overrides) {
        Map<String, Object> config = producerConfig(kafka.bootstrapServers(), overrides);
        putClientProperties(config, overrides, kafka);
        return config;
    }

    /** The complete consumer configuration {@link #consumer(KafkaConnection, String, Map)} uses. */
    public static Map<String, Object> consumerConfig(
            KafkaConnection kafka, String groupId, Map<String, Object> overrides) {
        Map<String, Object> config = consumerConfig(kafka.bootstrapServers(), groupId, overrides);
        putClientProperties(config, overrides, kafka);
        return config;
    }

    /**
     * The configuration of an admin client: the servers, {@code settings} (timeouts, client id), then
     * {@code kafka}'s client properties, under the same rules as producers and consumers.
     */
    public static Map<String, Object> adminConfig(KafkaConnection kafka, Map<String, Object> settings) {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.putAll(settings);
        putClientProperties(config, settings, kafka);
        return config;
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
    public static Map<String, Object> consumerConfig(
            String bootstrapServers, String groupId, Map<String, Object> overrides) {
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

    /**
     * Lays the connection's client properties over {@code config}: they win over the defaults, may not
     * contradict what this client's code sets ({@code overrides}), and cannot name an owned key (the
     * connection refuses those when it is made).
     */
    private static void putClientProperties(
            Map<String, Object> config, Map<String, Object> overrides, KafkaConnection kafka) {
        kafka.clientProperties().forEach((key, value) -> {
            Object own = overrides.get(key);
            if (own != null && !String.valueOf(own).equals(value)) {
                throw new IllegalArgumentException(key + " is set to " + own + " by Engram for this client and to "
                        + (key.toLowerCase(java.util.Locale.ROOT).contains("password") ? "another value" : value)
                        + " by the Kafka client properties; remove it from the properties file (or make them agree)");
            }
            config.put(key, value);
        });
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
