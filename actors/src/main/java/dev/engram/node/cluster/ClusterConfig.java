package dev.engram.node.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Whether and how a node joins a Pekko cluster of Engram nodes, and how soon the others take over
 * from a node that dies.
 *
 * <pre>{@code
 * ClusterConfig first = ClusterConfig.on("127.0.0.1", 25520, List.of());                    // forms the cluster
 * ClusterConfig second = ClusterConfig.on("127.0.0.1", 25521, List.of("127.0.0.1:25520")); // joins it
 * ClusterConfig quick = second.withFailover(Duration.ofSeconds(6), Duration.ofSeconds(2), Duration.ofSeconds(3));
 * }</pre>
 *
 * <p>A node that stops (SIGTERM) hands its partitions over within seconds whatever these say; a node
 * that dies (SIGKILL, a lost host) keeps its partitions until Kafka's session timeout expires, so
 * {@code sessionTimeout} is what bounds a dead node's outage. The broker accepts session timeouts in
 * its {@code group.min.session.timeout.ms}..{@code group.max.session.timeout.ms} (6 s..30 min by
 * default). A {@code session.timeout.ms} or {@code heartbeat.interval.ms} in the node's Kafka client
 * properties wins over these.
 *
 * @param enabled {@code false} ({@link #off()}, the default): the node runs alone, as without this
 *     setting; {@code true}: it joins the cluster and routes recalls to the owner of each tenant's
 *     partition
 * @param host the interface (and the address other nodes reach) of the node's cluster port
 * @param port the cluster port; 0 picks a free one (fine for a node that is nobody's seed)
 * @param seeds {@code host:port} of nodes to join; empty: this node forms a new cluster by itself
 * @param sessionTimeout the feedback consumer's {@code session.timeout.ms}: how long Kafka waits for
 *     a silent node before giving its partitions to the others ({@value #DEFAULT_SESSION_TIMEOUT_S} s,
 *     Kafka's own default)
 * @param heartbeatInterval the consumer's {@code heartbeat.interval.ms}, below a third of {@code
 *     sessionTimeout} ({@value #DEFAULT_HEARTBEAT_INTERVAL_S} s, Kafka's own default)
 * @param downAfter how long cluster membership must be still before the split-brain resolver
 *     (keep-majority) downs an unreachable member ({@value #DEFAULT_DOWN_AFTER_S} s)
 */
public record ClusterConfig(
        boolean enabled,
        String host,
        int port,
        List<String> seeds,
        Duration sessionTimeout,
        Duration heartbeatInterval,
        Duration downAfter) {

    /** Default interface of the cluster port. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Default {@code sessionTimeout} in seconds (Kafka's default {@code session.timeout.ms}). */
    public static final int DEFAULT_SESSION_TIMEOUT_S = 45;

    /** Default {@code heartbeatInterval} in seconds (Kafka's default {@code heartbeat.interval.ms}). */
    public static final int DEFAULT_HEARTBEAT_INTERVAL_S = 3;

    /** Default {@code downAfter} in seconds. */
    public static final int DEFAULT_DOWN_AFTER_S = 7;

    public ClusterConfig {
        Objects.requireNonNull(host, "clusterConfig.host is required");
        if (host.isBlank()) {
            throw new IllegalArgumentException("clusterConfig.host must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("clusterConfig.port must be in [0, 65535] (0: a free one), was " + port);
        }
        seeds = List.copyOf(Objects.requireNonNull(seeds, "clusterConfig.seeds is required (may be empty)"));
        for (String seed : seeds) {
            checkSeed(seed);
        }
        requirePositive("sessionTimeout", sessionTimeout);
        requirePositive("heartbeatInterval", heartbeatInterval);
        requirePositive("downAfter", downAfter);
        if (heartbeatInterval.multipliedBy(3).compareTo(sessionTimeout) > 0) {
            throw new IllegalArgumentException("clusterConfig.heartbeatInterval (" + heartbeatInterval
                    + ") must be at most a third of sessionTimeout (" + sessionTimeout
                    + "), or Kafka times a live node out");
        }
    }

    /** A node on its own (the default). */
    public static ClusterConfig off() {
        return new ClusterConfig(
                false,
                DEFAULT_HOST,
                0,
                List.of(),
                Duration.ofSeconds(DEFAULT_SESSION_TIMEOUT_S),
                Duration.ofSeconds(DEFAULT_HEARTBEAT_INTERVAL_S),
                Duration.ofSeconds(DEFAULT_DOWN_AFTER_S));
    }

    /** A node that joins {@code seeds} (or forms a cluster when empty) from {@code host:port}. */
    public static ClusterConfig on(String host, int port, List<String> seeds) {
        return new ClusterConfig(
                true,
                host,
                port,
                seeds,
                Duration.ofSeconds(DEFAULT_SESSION_TIMEOUT_S),
                Duration.ofSeconds(DEFAULT_HEARTBEAT_INTERVAL_S),
                Duration.ofSeconds(DEFAULT_DOWN_AFTER_S));
    }

    /** This config with other failure-detection times (see the record's parameters). */
    public ClusterConfig withFailover(Duration sessionTimeout, Duration heartbeatInterval, Duration downAfter) {
        return new ClusterConfig(enabled, host, port, seeds, sessionTimeout, heartbeatInterval, downAfter);
    }

    private static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, "clusterConfig." + name + " is required");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("clusterConfig." + name + " must be positive, was " + value);
        }
    }

    private static void checkSeed(String seed) {
        int colon = seed == null ? -1 : seed.lastIndexOf(':');
        if (colon <= 0 || colon == seed.length() - 1) {
            throw new IllegalArgumentException(
                    "clusterConfig.seeds: '" + seed + "' is not host:port (e.g. 127.0.0.1:25520)");
        }
        try {
            int port = Integer.parseInt(seed.substring(colon + 1));
            if (port <= 0 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "clusterConfig.seeds: '" + seed + "' has no port in [1, 65535] (e.g. 127.0.0.1:25520)");
        }
    }
}
