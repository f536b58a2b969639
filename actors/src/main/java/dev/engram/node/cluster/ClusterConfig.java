package dev.engram.node.cluster;

import java.util.List;
import java.util.Objects;

/**
 * Whether and how a node joins a Pekko cluster of Engram nodes.
 *
 * <pre>{@code
 * ClusterConfig first = ClusterConfig.on("127.0.0.1", 25520, List.of());                    // forms the cluster
 * ClusterConfig second = ClusterConfig.on("127.0.0.1", 25521, List.of("127.0.0.1:25520")); // joins it
 * }</pre>
 *
 * @param enabled {@code false} ({@link #off()}, the default): the node runs alone, as without this
 *     setting; {@code true}: it joins the cluster and routes recalls to the owner of each tenant's
 *     partition
 * @param host the interface (and the address other nodes reach) of the node's cluster port
 * @param port the cluster port; 0 picks a free one (fine for a node that is nobody's seed)
 * @param seeds {@code host:port} of nodes to join; empty: this node forms a new cluster by itself
 */
public record ClusterConfig(boolean enabled, String host, int port, List<String> seeds) {

    /** Default interface of the cluster port. */
    public static final String DEFAULT_HOST = "127.0.0.1";

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
    }

    /** A node on its own (the default). */
    public static ClusterConfig off() {
        return new ClusterConfig(false, DEFAULT_HOST, 0, List.of());
    }

    /** A node that joins {@code seeds} (or forms a cluster when empty) from {@code host:port}. */
    public static ClusterConfig on(String host, int port, List<String> seeds) {
        return new ClusterConfig(true, host, port, seeds);
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
