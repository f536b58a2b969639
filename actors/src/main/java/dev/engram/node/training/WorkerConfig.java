package dev.engram.node.training;

import java.time.Duration;
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
 */
public record WorkerConfig(String bootstrapServers, String groupId, String workerId, Duration jobTimeout,
        int maxAttempts, Duration retryBackoff, Duration progressInterval) {

    /** The consumer group every worker joins by default. */
    public static final String DEFAULT_GROUP = "engram-workers";

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
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("workerConfig.maxAttempts must be >= 1, was " + maxAttempts);
        }
    }

    private static void positive(Duration d, String field) {
        Objects.requireNonNull(d, "workerConfig." + field + " is required");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("workerConfig." + field + " must be positive, was " + d);
        }
    }

    /** The defaults listed above, worker id {@code worker-1}. */
    public static WorkerConfig defaults(String bootstrapServers) {
        return new WorkerConfig(bootstrapServers, DEFAULT_GROUP, "worker-1", Duration.ofMinutes(30), 3,
                Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    public WorkerConfig withWorkerId(String id) {
        return new WorkerConfig(bootstrapServers, groupId, id, jobTimeout, maxAttempts, retryBackoff, progressInterval);
    }

    public WorkerConfig withGroupId(String group) {
        return new WorkerConfig(bootstrapServers, group, workerId, jobTimeout, maxAttempts, retryBackoff,
                progressInterval);
    }

    public WorkerConfig withAttempts(int attempts, Duration backoff) {
        return new WorkerConfig(bootstrapServers, groupId, workerId, jobTimeout, attempts, backoff, progressInterval);
    }

    public WorkerConfig withJobTimeout(Duration timeout) {
        return new WorkerConfig(bootstrapServers, groupId, workerId, timeout, maxAttempts, retryBackoff,
                progressInterval);
    }

    /** The transactional id of this worker's adapter publisher. */
    public String transactionalId() {
        return "engram-worker-" + workerId;
    }
}
