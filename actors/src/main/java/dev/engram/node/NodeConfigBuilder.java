package dev.engram.node;

import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Embedder;
import dev.engram.node.auth.FailedAuthLimiter;
import dev.engram.node.cluster.ClusterConfig;
import dev.engram.node.config.ResilienceConfig;
import dev.engram.node.http.HttpTls;
import dev.engram.node.ingest.IndexCommitPolicy;
import dev.engram.node.registry.PromotionGate;
import dev.engram.node.tuning.AgentModelRoundsConfig;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.TrustedNodeKeys;
import dev.engram.streams.TrustedWorkerKeys;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link NodeConfig} ({@link NodeConfig#builder}); every setter is optional and documented,
 * with its default, on {@link NodeConfig}.
 *
 * <pre>{@code
 * NodeConfig config = NodeConfig.builder(Path.of(".engram")).httpPort(0).build();
 * }</pre>
 */
public final class NodeConfigBuilder {
    private final Path dataDir;
    private String bootstrapServers;
    private String httpHost = NodeConfig.DEFAULT_HTTP_HOST;
    private int httpPort = NodeConfig.DEFAULT_HTTP_PORT;
    private String groupId = NodeConfig.DEFAULT_GROUP_ID;
    private Embedder embedder;
    private CaseStoreConfig storeConfig;
    private ResilienceConfig resilience = ResilienceConfig.defaults();
    private Integer maxBatchRecords;
    private Duration pollTimeout = NodeConfig.DEFAULT_POLL_TIMEOUT;
    private Duration commitInterval = IndexCommitPolicy.DEFAULT_INTERVAL;
    private int commitMaxEvents = IndexCommitPolicy.DEFAULT_MAX_EVENTS;
    private Clock clock = Clock.systemUTC();
    private TuningSchedulerConfig tuning = TuningSchedulerConfig.defaults();
    private PromotionGate promotionGate = PromotionGate.defaults();
    private int adapterVersionsKept = NodeConfig.DEFAULT_ADAPTER_VERSIONS_KEPT;
    private Map<String, String> kafkaProperties = Map.of();
    private FeedbackTopicLayout feedbackLayout = FeedbackTopicLayout.SHARED;
    private int maxConcurrentRecalls = NodeConfig.defaultMaxConcurrentRecalls();
    private boolean allowAnonymous;
    private TrustedWorkerKeys trustedWorkers = TrustedWorkerKeys.none();
    private TrustedNodeKeys trustedNodes = TrustedNodeKeys.none();
    private HttpTls httpTls;
    private int maxFailedAuthPerMinute = FailedAuthLimiter.DEFAULT_MAX_FAILURES;
    private ClusterConfig cluster = ClusterConfig.off();
    private AgentModelRoundsConfig agentModelRounds = AgentModelRoundsConfig.disabled();

    NodeConfigBuilder(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** The Kafka cluster, {@code host:port[,host:port]}; {@code null} for the embedded broker. */
    public NodeConfigBuilder bootstrapServers(String value) {
        this.bootstrapServers = value;
        return this;
    }

    public NodeConfigBuilder httpHost(String value) {
        this.httpHost = value;
        return this;
    }

    /** 0 picks a free port. */
    public NodeConfigBuilder httpPort(int value) {
        this.httpPort = value;
        return this;
    }

    public NodeConfigBuilder groupId(String value) {
        this.groupId = value;
        return this;
    }

    /** {@code null} for BM25-only recall. */
    public NodeConfigBuilder embedder(Embedder value) {
        this.embedder = value;
        return this;
    }

    public NodeConfigBuilder storeConfig(CaseStoreConfig value) {
        this.storeConfig = value;
        return this;
    }

    public NodeConfigBuilder resilience(ResilienceConfig value) {
        this.resilience = value;
        return this;
    }

    public NodeConfigBuilder maxBatchRecords(int value) {
        this.maxBatchRecords = value;
        return this;
    }

    public NodeConfigBuilder pollTimeout(Duration value) {
        this.pollTimeout = value;
        return this;
    }

    /** Longest wait of written feedback for its index commit; {@link Duration#ZERO} commits every batch. */
    public NodeConfigBuilder commitInterval(Duration value) {
        this.commitInterval = value;
        return this;
    }

    /** Most records written but not committed before the batch that reaches them ends with an index commit. */
    public NodeConfigBuilder commitMaxEvents(int value) {
        this.commitMaxEvents = value;
        return this;
    }

    public NodeConfigBuilder clock(Clock value) {
        this.clock = value;
        return this;
    }

    /** Tuning rounds and the in-node worker; {@link TuningSchedulerConfig#disabled()} switches both off. */
    public NodeConfigBuilder tuning(TuningSchedulerConfig value) {
        this.tuning = value;
        return this;
    }

    /** The margins candidates must meet to serve, e.g. {@code new PromotionGate(0.005, 0.0)}. */
    public NodeConfigBuilder promotionGate(PromotionGate value) {
        this.promotionGate = value;
        return this;
    }

    /** How many of each adapter's newest versions keep their files on disk (besides serving and pinned). */
    public NodeConfigBuilder adapterVersionsKept(int value) {
        this.adapterVersionsKept = value;
        return this;
    }

    /** Kafka client properties (SASL, SSL), e.g. {@code KafkaConnection.load(Path.of("client.properties"))}. */
    public NodeConfigBuilder kafkaProperties(Map<String, String> value) {
        this.kafkaProperties = value;
        return this;
    }

    /** Where feedback is read from: the shared topic or the per-tenant ones. */
    public NodeConfigBuilder feedbackLayout(FeedbackTopicLayout value) {
        this.feedbackLayout = value;
        return this;
    }

    /** Recalls running at once; one more is answered 429 with Retry-After. */
    public NodeConfigBuilder maxConcurrentRecalls(int value) {
        this.maxConcurrentRecalls = value;
        return this;
    }

    /** Serve requests without an API key (loopback only); see {@link NodeConfig}. */
    public NodeConfigBuilder allowAnonymous(boolean value) {
        this.allowAnonymous = value;
        return this;
    }

    /** The worker keys whose signed candidates the node admits, e.g. {@code TrustedWorkerKeys.load(file)}. */
    public NodeConfigBuilder trustedWorkers(TrustedWorkerKeys value) {
        this.trustedWorkers = value;
        return this;
    }

    /**
     * The worker keys in a trusted-keys file, or in the {@code *.pub} files of a directory.
     *
     * @throws IllegalArgumentException naming the file (and line) when it is missing or not keys
     */
    public NodeConfigBuilder trustedWorkers(Path fileOrDir) {
        this.trustedWorkers = TrustedWorkerKeys.load(Objects.requireNonNull(fileOrDir, "trustedWorkers"));
        return this;
    }

    /** The other nodes' keys whose signed controls the node applies, e.g. {@code TrustedNodeKeys.load(file)}. */
    public NodeConfigBuilder trustedNodes(TrustedNodeKeys value) {
        this.trustedNodes = value;
        return this;
    }

    /**
     * The node keys in a trusted-keys file ({@code node-key.pub} lines), or in the {@code *.pub}
     * files of a directory.
     *
     * @throws IllegalArgumentException naming the file (and line) when it is missing or not keys
     */
    public NodeConfigBuilder trustedNodes(Path fileOrDir) {
        this.trustedNodes = TrustedNodeKeys.load(Objects.requireNonNull(fileOrDir, "trustedNodes"));
        return this;
    }

    /** Serve the HTTP API over TLS with this keystore; {@code null} (the default) for plain HTTP. */
    public NodeConfigBuilder httpTls(HttpTls value) {
        this.httpTls = value;
        return this;
    }

    /**
     * Serve the HTTP API over TLS with the PKCS12 {@code keyStore}, whose password is the first
     * line of {@code passwordFile}.
     *
     * @throws IllegalArgumentException naming the file when either cannot be read or the password is wrong
     */
    public NodeConfigBuilder httpTls(Path keyStore, Path passwordFile) {
        this.httpTls = HttpTls.fromPasswordFile(keyStore, passwordFile);
        return this;
    }

    /** Wrong API keys a client address may send per minute before they are answered 429. */
    public NodeConfigBuilder maxFailedAuthPerMinute(int value) {
        this.maxFailedAuthPerMinute = value;
        return this;
    }

    /** Join a cluster of nodes, e.g. {@code ClusterConfig.on("127.0.0.1", 25520, List.of())}; see {@link NodeConfig}. */
    public NodeConfigBuilder cluster(ClusterConfig value) {
        this.cluster = value;
        return this;
    }

    /** Agent-model rounds, e.g. {@code AgentModelRoundsConfig.every(50)}; see {@link NodeConfig}. */
    public NodeConfigBuilder agentModelRounds(AgentModelRoundsConfig value) {
        this.agentModelRounds = value;
        return this;
    }

    /** Validates and builds; throws {@link IllegalArgumentException} naming the bad setting. */
    public NodeConfig build() {
        return new NodeConfig(
                dataDir,
                bootstrapServers,
                httpHost,
                httpPort,
                groupId,
                embedder,
                storeConfig == null ? CaseStoreConfig.defaults() : storeConfig,
                resilience,
                maxBatchRecords != null ? maxBatchRecords : NodeConfig.DEFAULT_MAX_BATCH_RECORDS,
                pollTimeout,
                commitInterval,
                commitMaxEvents,
                clock,
                tuning,
                promotionGate,
                adapterVersionsKept,
                kafkaProperties,
                feedbackLayout,
                maxConcurrentRecalls,
                allowAnonymous,
                trustedWorkers,
                trustedNodes,
                httpTls,
                maxFailedAuthPerMinute,
                cluster,
                agentModelRounds);
    }
}
