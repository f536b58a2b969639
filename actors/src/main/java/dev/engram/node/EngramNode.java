package dev.engram.node;

import dev.engram.memory.CaseStore;
import dev.engram.node.auth.ApiKeys;
import dev.engram.node.auth.NodeKey;
import dev.engram.node.cluster.NodeCluster;
import dev.engram.node.ingest.FeedbackConsumer;
import dev.engram.node.internal.NodeIdentity;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.registry.AdapterRegistry;
import dev.engram.node.tuning.TuningLoop;
import dev.engram.streams.KafkaConnection;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Engram node: consumes {@code engram.feedback}, keeps every valid event as a case in a Lucene
 * {@link CaseStore}, dead-letters the invalid ones, and serves recall over HTTP.
 *
 * <pre>{@code
 * try (EngramNode node = EngramNode.start(NodeConfig.builder(Path.of(".engram")).httpPort(0).build())) {
 *     System.out.println("recall at http://127.0.0.1:" + node.httpPort() + "/v1/tenants/acme/recall");
 *     System.out.println("send feedback to " + node.bootstrapServers());
 * }
 * }</pre>
 *
 * <p>Guarantees: offsets are committed only after the index commit covers their records; writes
 * are idempotent by event id; so a crash at any point replays and nothing is lost or doubled, and
 * usage statistics count each event once. Dead letters are delivered at least once. Partitions
 * fail alone: a record that keeps failing a stage is isolated and dead-lettered, and its partition
 * moves on; while one does not move, {@code /health} says DEGRADED and names it.
 *
 * <p>The data directory holds the node's identity ({@code node.id}), its consumer's static group
 * membership: restarted on the same directory after a crash, a node takes its partitions straight
 * back. A stopped node leaves the group, so the others take over at once.
 */
public final class EngramNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EngramNode.class);

    private final NodeConfig config;
    private final String bootstrapServers;
    private final CaseStore store;
    private final NodeMetrics metrics;
    private final FeedbackConsumer consumer;
    private final Thread consumerThread;
    private final ServerBinding binding;
    private final Deque<AutoCloseable> resources;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AdapterRegistry adapters;
    private final TuningLoop tuning;
    private final String createdAdminKey;
    private final NodeKey nodeKey;
    private final NodeCluster cluster;

    private EngramNode(NodeConfig config, NodeAssembly.Started started, Deque<AutoCloseable> resources) {
        this.config = config;
        this.bootstrapServers = started.bootstrapServers();
        this.store = started.store();
        this.metrics = started.metrics();
        this.consumer = started.consumer();
        this.consumerThread = started.consumerThread();
        this.binding = started.binding();
        this.adapters = started.adapters();
        this.tuning = started.tuning();
        this.createdAdminKey = started.createdAdminKey();
        this.nodeKey = started.nodeKey();
        this.cluster = started.cluster();
        this.resources = resources;
    }

    /**
     * Starts a node: the embedded broker when {@link NodeConfig#bootstrapServers()} is {@code null},
     * the topics (idempotently), the case store in {@code dataDir/cases}, the ingest actor, the
     * feedback consumer and the HTTP API. Returns once the HTTP port is listening.
     *
     * @throws IllegalStateException when a part cannot start; what did start is closed again
     */
    public static EngramNode start(NodeConfig config) {
        Deque<AutoCloseable> resources = new ArrayDeque<>();
        try {
            return new EngramNode(config, new NodeAssembly(config, resources).start(), resources);
        } catch (RuntimeException | Error e) {
            closeAll(resources);
            throw e instanceof IllegalStateException ise
                    ? ise
                    : new IllegalStateException("engram node failed to start in " + config.dataDir() + ": " + e, e);
        }
    }

    /** The node's part in a cluster of nodes; empty for a node on its own ({@link NodeConfig#cluster()} off). */
    public Optional<NodeCluster> cluster() {
        return Optional.ofNullable(cluster);
    }

    /** The node's stable id (kept in its data directory): names its consumer, its job publisher and a worker beside it. */
    public String nodeId() {
        return NodeIdentity.of(config.dataDir());
    }

    /**
     * The admin API key this start created (a node on loopback creates one on its first start, in
     * {@code DATA/admin.key}); empty on every later start. For {@code engram serve} to show it once.
     */
    public Optional<String> createdAdminKey() {
        return Optional.ofNullable(createdAdminKey);
    }

    /**
     * The admin key in this node's {@code DATA/admin.key}, for tools in the same process (the demo,
     * tests); empty when the file is gone or the node never made one (it is not checked against the
     * keys: a revoked admin key is still returned, and gets 401).
     */
    public Optional<String> localAdminKey() {
        return ApiKeys.readAdminKey(config.dataDir());
    }

    /** The port the HTTP API listens on (the chosen one when the configuration said 0). */
    public int httpPort() {
        return binding.localAddress().getPort();
    }

    /** The base URL of the HTTP API, e.g. {@code http://127.0.0.1:7070} ({@code https://} with TLS). */
    public String httpUrl() {
        return (config.httpsEnabled() ? "https://" : "http://") + config.httpHost() + ":" + httpPort();
    }

    /**
     * The key this node signs operators' controls with ({@code DATA/node-key.pem}); other nodes apply
     * them once its {@link NodeKey#publicKeyFile()} is in their {@code --trusted-nodes}.
     */
    public NodeKey nodeKey() {
        return nodeKey;
    }

    /** The Kafka cluster the node consumes from: the configured one or the embedded broker's. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** How the node's Kafka clients reach its cluster: {@link #bootstrapServers()} and the client properties. */
    public KafkaConnection kafka() {
        return config.kafka(bootstrapServers);
    }

    /** The node's case store, for reading (tests, the demo). Writing to it bypasses the stream. */
    public CaseStore store() {
        return store;
    }

    /** The node's tuning schedulers, unless tuning is disabled. */
    public java.util.Optional<TuningLoop> tuning() {
        return java.util.Optional.ofNullable(tuning);
    }

    /** The node's adapter registry: versions, gate decisions, and each tenant's serving adapter. */
    public AdapterRegistry adapters() {
        return adapters;
    }

    /** The configuration the node runs with. */
    public NodeConfig config() {
        return config;
    }

    /** The node's metrics in the Prometheus text format (what {@code GET /metrics} serves). */
    public String metricsText() {
        return metrics.scrape();
    }

    /** {@code true} while the feedback consumer runs (not stopped, not restarting after a failure). */
    public boolean consuming() {
        return consumerThread.isAlive() && consumer.state() == FeedbackConsumer.State.RUNNING;
    }

    /**
     * Stops the node: the consumer (after its batch in flight, bounded), the HTTP API, the actors,
     * the dead-letter producer, the store and the embedded broker, in that order. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeAll(resources);
            log.info("engram node stopped ({})", config.dataDir());
        }
    }

    private static void closeAll(Deque<AutoCloseable> resources) {
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("while stopping the node: {}", e.toString());
            }
        }
    }
}
