package dev.engram.worker;

import dev.engram.streams.KafkaConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link TrainingWorker}.
 *
 * <pre>{@code
 * WorkerConfig config = WorkerConfig.defaults("localhost:9092").withWorkerId("worker-2");
 * }</pre>
 *
 * @param bootstrapServers the Kafka cluster
 * @param groupId the consumer group on {@code engram.training-jobs} ({@code engram-workers})
 * @param workerId names this worker; its transactional id is {@code engram-worker-<workerId>}
 * @param jobTimeout the time limit for one attempt at a job (30 min)
 * @param maxAttempts attempts at a job before it goes to the dead-letter topic (3)
 * @param retryBackoff wait before the second attempt, doubled for each further one (2 s)
 * @param progressInterval the least time between two TRAINING progress events (2 s)
 * @param sessionTimeout the consumer's {@code session.timeout.ms} (15 s): how long the group waits
 *     for a worker that stopped heartbeating (killed, frozen, cut off) before its partitions, and the
 *     job it held, go to another worker. Kafka's own default, 45 s, would leave a killed worker's
 *     jobs untouched that long. Heartbeats come from the consumer's own thread, so a long job does not
 *     count against it ({@code max.poll.interval.ms} covers that, from {@code jobTimeout}); a worker
 *     that loses its partitions mid-job through a spurious expiry cannot publish (its transaction's
 *     offsets carry the old group generation), so too short a timeout costs a re-run, never a
 *     duplicate. The broker accepts 6 s to 30 min by default.
 * @param kafkaProperties Kafka client properties (SASL, SSL...) of every client of the worker, laid
 *     over Engram's safe defaults ({@link KafkaConnection}; none by default;
 *     {@code engram worker --kafka-properties FILE})
 * @param keyDir where the worker keeps the Ed25519 key pair it signs its candidates with
 *     ({@link WorkerKey}; made on first start): {@value #DEFAULT_KEY_DIR} under the working directory,
 *     i.e. {@code worker/} in the CLI's default data directory ({@code engram worker --data}), which
 *     a local node ({@code engram serve} on the same data directory) trusts by itself
 */
public record WorkerConfig(
        String bootstrapServers,
        String groupId,
        String workerId,
        Duration jobTimeout,
        int maxAttempts,
        Duration retryBackoff,
        Duration progressInterval,
        Duration sessionTimeout,
        Map<String, String> kafkaProperties,
        Path keyDir) {

    /** The consumer group every worker joins by default. */
    public static final String DEFAULT_GROUP = "engram-workers";

    /**
     * The consumer group of workers that have the agents' model ({@code engram worker --agent-model}):
     * they run the agent-model jobs on {@code engram.training-jobs}, which the {@link #DEFAULT_GROUP}'s
     * workers pass over.
     */
    public static final String AGENT_MODEL_GROUP = "engram-agent-model-workers";

    /** The default {@code keyDir}, relative to the working directory. */
    public static final String DEFAULT_KEY_DIR = ".engram/worker";

    /** The default {@code sessionTimeout}: 15 s. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(15);

    public WorkerConfig {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("workerConfig.bootstrapServers is required, e.g. localhost:9092");
        }
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("workerConfig.groupId is required, e.g. " + DEFAULT_GROUP);
        }
        if (workerId == null || !workerId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("workerConfig.workerId must be 1-64 of [A-Za-z0-9._-], was " + workerId);
        }
        positive(jobTimeout, "jobTimeout");
        positive(retryBackoff, "retryBackoff");
        positive(progressInterval, "progressInterval");
        positive(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(keyDir, "workerConfig.keyDir is required, e.g. .engram/worker");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("workerConfig.maxAttempts must be >= 1, was " + maxAttempts);
        }
        kafkaProperties = new KafkaConnection(
                        bootstrapServers,
                        Objects.requireNonNull(kafkaProperties, "workerConfig.kafkaProperties is required (Map.of())"))
                .clientProperties();
    }

    /** How the worker's Kafka clients reach the cluster: the servers and the client properties. */
    public KafkaConnection kafka() {
        return new KafkaConnection(bootstrapServers, kafkaProperties);
    }

    /** This configuration with Kafka client properties (SASL, SSL), e.g. {@code KafkaConnection.load(file)}. */
    public WorkerConfig withKafkaProperties(Map<String, String> properties) {
        return new WorkerConfig(
                bootstrapServers,
                groupId,
                workerId,
                jobTimeout,
                maxAttempts,
                retryBackoff,
                progressInterval,
                sessionTimeout,
                properties,
                keyDir);
    }

    private static void positive(Duration d, String field) {
        Objects.requireNonNull(d, "workerConfig." + field + " is required");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("workerConfig." + field + " must be positive, was " + d);
        }
    }

    /** The defaults listed above, worker id {@code worker-1}. */
    public static WorkerConfig defaults(String bootstrapServers) {
        return new WorkerConfig(
                bootstrapServers,
                DEFAULT_GROUP,
                "worker-1",
                Duration.ofMinutes(30),
                3,
                Duration.ofSeconds(2),
                Duration.ofSeconds(2),
                DEFAULT_SESSION_TIMEOUT,
                Map.of(),
                Path.of(DEFAULT_KEY_DIR));
    }

    public WorkerConfig withWorkerId(String id) {
        return new WorkerConfig(
                bootstrapServers,
                groupId,
                id,
                jobTimeout,
                maxAttempts,
                retryBackoff,
                progressInterval,
                sessionTimeout,
                kafkaProperties,
                keyDir);
    }

    public WorkerConfig withGroupId(String group) {
        return new WorkerConfig(
                bootstrapServers,
                group,
                workerId,
                jobTimeout,
                maxAttempts,
                retryBackoff,
                progressInterval,
                sessionTimeout,
                kafkaProperties,
                keyDir);
    }

    public WorkerConfig withAttempts(int attempts, Duration backoff) {
        return new WorkerConfig(
                bootstrapServers,
                groupId,
                workerId,
                jobTimeout,
                attempts,
                backoff,
                progressInterval,
                sessionTimeout,
                kafkaProperties,
                keyDir);
    }

    public WorkerConfig withJobTimeout(Duration timeout) {
        return new WorkerConfig(
                bootstrapServers,
                groupId,
                workerId,
                timeout,
                maxAttempts,
                retryBackoff,
                progressInterval,
                sessionTimeout,
                kafkaProperties,
                keyDir);
    }

    public WorkerConfig withSessionTimeout(Duration timeout) {
        return new WorkerConfig(
                bootstrapServers,
                groupId,
                workerId,
                jobTimeout,
                maxAttempts,
                retryBackoff,
                progressInterval,
                timeout,
                kafkaProperties,
                keyDir);
    }

    /** The same settings with the key pair kept in {@code dir}. */
    public WorkerConfig withKeyDir(Path dir) {
        return new WorkerConfig(
                bootstrapServers,
                groupId,
                workerId,
                jobTimeout,
                maxAttempts,
                retryBackoff,
                progressInterval,
                sessionTimeout,
                kafkaProperties,
                dir);
    }

    /** The transactional id of this worker's adapter publisher. */
    public String transactionalId() {
        return "engram-worker-" + workerId;
    }
}
