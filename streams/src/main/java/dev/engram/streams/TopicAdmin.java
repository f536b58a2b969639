package dev.engram.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates topics idempotently: run it at every start-up, before producing or consuming.
 *
 * <pre>{@code
 * TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
 * }</pre>
 *
 * <p>A topic that does not exist is created with its spec's partitions, replication and configs. A
 * topic that already exists keeps its partitions (adding partitions would move keys), but its
 * configs are set to the spec's, so a changed spec reaches existing clusters too.
 */
public final class TopicAdmin {

    /** How long {@link #ensureTopics(String, List)} may take in all before it gives up. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

    private TopicAdmin() {}

    /**
     * Ensures the topics exist, waiting at most {@link #DEFAULT_TIMEOUT}.
     *
     * @throws IllegalStateException when the cluster cannot be reached in time or refuses a topic;
     *     the message says which topics and on which servers
     */
    public static void ensureTopics(String bootstrapServers, List<TopicSpec> specs) {
        ensureTopics(bootstrapServers, specs, DEFAULT_TIMEOUT);
    }

    /**
     * Ensures the topics exist, waiting at most {@code timeout} in all.
     *
     * @throws IllegalStateException when the cluster cannot be reached in time or refuses a topic
     */
    public static void ensureTopics(String bootstrapServers, List<TopicSpec> specs, Duration timeout) {
        ensureTopics(KafkaConnection.of(bootstrapServers), specs, timeout);
    }

    /** As {@link #ensureTopics(String, List)}, with the connection's client properties (SASL, SSL). */
    public static void ensureTopics(KafkaConnection kafka, List<TopicSpec> specs) {
        ensureTopics(kafka, specs, DEFAULT_TIMEOUT);
    }

    /**
     * Ensures the topics exist over {@code kafka}, waiting at most {@code timeout} in all. On a
     * cluster with ACLs the principal needs CREATE on the cluster or the topics, and ALTER_CONFIGS on
     * existing ones; a topic that exists but whose configs may not be changed is left as it is.
     *
     * @throws IllegalStateException when the cluster cannot be reached in time or refuses a topic
     */
    public static void ensureTopics(KafkaConnection kafka, List<TopicSpec> specs, Duration timeout) {
        String bootstrapServers = kafka.describe();
        if (specs.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        Map<String, Object> settings = new HashMap<>();
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 10_000));
        Map<String, Object> config = KafkaClientFactory.adminConfig(kafka, settings);
        config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "engram-topic-admin");
        List<String> names = specs.stream().map(TopicSpec::name).toList();
        try (Admin admin = Admin.create(config)) {
            List<NewTopic> newTopics = specs.stream().map(TopicAdmin::newTopic).toList();
            Map<String, KafkaFuture<Void>> created = admin.createTopics(
                            newTopics, new CreateTopicsOptions().timeoutMs(timeoutMs))
                    .values();
            List<TopicSpec> existing = new ArrayList<>();
            for (TopicSpec spec : specs) {
                try {
                    await(created.get(spec.name()), deadline);
                    LOG.info("Created topic {} ({} partitions, {})", spec.name(), spec.partitions(), spec.configs());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicAuthorizationException
                            || e.getCause() instanceof ClusterAuthorizationException) {
                        // A principal without CREATE (a producer of one tenant): an operator made the topics.
                        LOG.warn(
                                "Not authorized to create or check topic {} on {}; leaving it to the cluster's operator",
                                spec.name(),
                                bootstrapServers);
                        continue;
                    }
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw failure("create topic " + spec.name(), bootstrapServers, e.getCause());
                    }
                    existing.add(spec);
                }
            }
            if (!existing.isEmpty()) {
                alignConfigs(admin, existing, deadline, bootstrapServers);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Timed out after " + timeout.toSeconds() + " s ensuring topics " + names + " on " + bootstrapServers
                            + ": is a Kafka broker running and reachable there?",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "Interrupted while ensuring topics " + names + " on " + bootstrapServers, e);
        } catch (ExecutionException e) {
            throw failure("ensure topics " + names, bootstrapServers, e.getCause());
        }
    }

    private static void alignConfigs(Admin admin, Collection<TopicSpec> specs, long deadline, String bootstrapServers)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
        for (TopicSpec spec : specs) {
            if (spec.configs().isEmpty()) {
                continue;
            }
            List<AlterConfigOp> set = spec.configs().entrySet().stream()
                    .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET))
                    .toList();
            ops.put(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()), set);
        }
        if (ops.isEmpty()) {
            return;
        }
        try {
            await(admin.incrementalAlterConfigs(ops).all(), deadline);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicAuthorizationException
                    || e.getCause() instanceof ClusterAuthorizationException) {
                LOG.warn(
                        "Not authorized to align the configs of existing topics {} on {}; left as they are",
                        specs.stream().map(TopicSpec::name).toList(),
                        bootstrapServers);
                return;
            }
            throw failure(
                    "set the configs of existing topics "
                            + specs.stream().map(TopicSpec::name).toList(),
                    bootstrapServers,
                    e.getCause());
        }
        LOG.debug(
                "Topics {} already existed; configs aligned with their specs",
                specs.stream().map(TopicSpec::name).toList());
    }

    private static NewTopic newTopic(TopicSpec spec) {
        Optional<Short> replication = spec.replicationFactor() == TopicSpec.BROKER_DEFAULT_REPLICATION
                ? Optional.empty()
                : Optional.of(spec.replicationFactor());
        return new NewTopic(spec.name(), Optional.of(spec.partitions()), replication).configs(spec.configs());
    }

    private static void await(KafkaFuture<Void> future, long deadlineNanos)
            throws ExecutionException, InterruptedException, TimeoutException {
        long left = Math.max(0, deadlineNanos - System.nanoTime());
        future.get(left, TimeUnit.NANOSECONDS);
    }

    private static IllegalStateException failure(String what, String bootstrapServers, Throwable cause) {
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new IllegalStateException(
                    "Timed out trying to " + what + " on " + bootstrapServers
                            + ": is a Kafka broker running and reachable there?",
                    cause);
        }
        return new IllegalStateException(
                "Could not " + what + " on " + bootstrapServers + ": "
                        + cause.getClass().getSimpleName() + ": " + cause.getMessage(),
                cause);
    }
}
