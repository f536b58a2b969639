package dev.engram.streams;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Where a Kafka cluster is and how to talk to it: the bootstrap servers plus the client
 * properties of a Kafka client properties file (SASL, SSL, client id, timeouts...). Every Engram
 * client is made from one by {@link KafkaClientFactory}, which lays these properties over its safe
 * defaults.
 *
 * <pre>{@code
 * # client.properties
 * security.protocol=SASL_SSL
 * sasl.mechanism=SCRAM-SHA-256
 * sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
 *     username="acme-agents" password="...";
 * ssl.truststore.location=/etc/engram/truststore.p12
 *
 * KafkaConnection kafka = KafkaConnection.of("kafka-1:9093", Path.of("client.properties"));
 * try (var producer = KafkaClientFactory.producer(kafka)) { ... }
 * }</pre>
 *
 * <p>What the properties may not set: the keys in {@link #ENGRAM_OWNED}, which Engram sets per
 * client because its guarantees rest on them (no lost or doubled feedback, commits only after the
 * index is durable, typed keys and values). Any other key is passed to Kafka as it is; a key Kafka
 * does not know is Kafka's to warn about. {@link #toString()} hides the values of secrets.
 *
 * @param bootstrapServers {@code host:port[,host:port...]}
 * @param clientProperties Kafka client properties, never {@code null}; copied
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> clientProperties) {

    /**
     * Keys a client properties file may not set, each for a reason: {@code bootstrap.servers} is
     * given on its own; serializers are fixed by the clients' types; group and transactional ids are
     * per client; {@code enable.auto.commit=false}, {@code isolation.level=read_committed},
     * {@code auto.offset.reset=earliest}, {@code enable.idempotence=true} and {@code acks=all} are
     * what keeps feedback from being lost, doubled or read uncommitted.
     */
    public static final List<String> ENGRAM_OWNED = List.of(
            CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.GROUP_ID_CONFIG,
            ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            ProducerConfig.ACKS_CONFIG);

    public KafkaConnection {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers: required, e.g. \"localhost:9092\"");
        }
        Objects.requireNonNull(clientProperties, "clientProperties: required (Map.of() for none)");
        Map<String, String> copy = new TreeMap<>();
        clientProperties.forEach((key, value) -> {
            if (key == null || key.isBlank() || value == null) {
                throw new IllegalArgumentException("clientProperties: keys and values must not be null or blank, got "
                        + key + "=" + (value == null ? "null" : "..."));
            }
            String k = key.trim();
            if (ENGRAM_OWNED.contains(k)) {
                throw new IllegalArgumentException("clientProperties: " + k + " may not be set in the Kafka client "
                        + "properties: "
                        + (k.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)
                                ? "give the servers on their own (--bootstrap)"
                                : "Engram sets it per client because its delivery guarantees rest on it")
                        + "; remove it (Engram-owned keys: " + ENGRAM_OWNED + ")");
            }
            copy.put(k, value.trim());
        });
        clientProperties = Collections.unmodifiableMap(copy);
    }

    /** A connection with no client properties: PLAINTEXT, as the embedded broker's default. */
    public static KafkaConnection of(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, Map.of());
    }

    /**
     * A connection with the properties of a Kafka client properties file ({@code null}: none).
     *
     * @throws IllegalArgumentException when the file cannot be read or sets an Engram-owned key
     */
    public static KafkaConnection of(String bootstrapServers, Path propertiesFile) {
        return new KafkaConnection(bootstrapServers, propertiesFile == null ? Map.of() : load(propertiesFile));
    }

    /**
     * The properties of a Kafka client properties file ({@code java.util.Properties} syntax, UTF-8).
     *
     * @throws IllegalArgumentException naming the file when it is missing or unreadable
     */
    public static Map<String, String> load(Path propertiesFile) {
        Objects.requireNonNull(propertiesFile, "propertiesFile");
        if (!Files.isRegularFile(propertiesFile)) {
            throw new IllegalArgumentException(
                    "Kafka client properties file not found: " + propertiesFile.toAbsolutePath());
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(propertiesFile, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the Kafka client properties " + propertiesFile + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "malformed Kafka client properties file " + propertiesFile + ": " + e.getMessage(), e);
        }
        Map<String, String> map = new TreeMap<>();
        properties.stringPropertyNames().forEach(k -> map.put(k, properties.getProperty(k)));
        return map;
    }

    /** This connection with other client properties. */
    public KafkaConnection withClientProperties(Map<String, String> properties) {
        return new KafkaConnection(bootstrapServers, properties);
    }

    /** The {@code security.protocol} the properties choose, {@code PLAINTEXT} when they choose none. */
    public String securityProtocol() {
        return clientProperties
                .getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT")
                .toUpperCase(Locale.ROOT);
    }

    /** The servers and the security protocol, e.g. {@code "kafka-1:9093 (SASL_SSL)"}: for messages. */
    public String describe() {
        return bootstrapServers + " (" + securityProtocol() + ")";
    }

    /** The servers and the properties, with the values of passwords, keys and JAAS configs hidden. */
    @Override
    public String toString() {
        return "KafkaConnection[" + bootstrapServers + ", "
                + clientProperties.entrySet().stream()
                        .map(e -> e.getKey() + "=" + (secret(e.getKey()) ? "[hidden]" : e.getValue()))
                        .collect(Collectors.joining(", ", "{", "}"))
                + "]";
    }

    private static boolean secret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password")
                || k.contains("jaas")
                || k.contains("secret")
                || k.endsWith(".key")
                || k.contains("keystore.key")
                || k.contains("credentials");
    }
}
