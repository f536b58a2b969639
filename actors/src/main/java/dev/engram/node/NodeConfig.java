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
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.TrustedNodeKeys;
import dev.engram.streams.TrustedWorkerKeys;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything a node needs, validated on construction. The defaults live here and nowhere else:
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code dataDir}</td><td>required ({@code .engram/} in the CLI)</td><td>the node's
 *       directory: the Lucene case index in {@code dataDir/cases}, the embedded broker (if any) in
 *       {@code dataDir/kafka}, the API keys' hashes in {@code dataDir/keys.json}, the admin key a node
 *       on loopback creates on first start in {@code dataDir/admin.key} (owner-only), the audit log in
 *       {@code dataDir/audit.jsonl}</td></tr>
 *   <tr><td>{@code bootstrapServers}</td><td>{@code null}</td><td>the Kafka cluster;
 *       {@code null} starts an embedded KRaft broker in {@code dataDir/kafka}</td></tr>
 *   <tr><td>{@code httpHost}</td><td>{@value #DEFAULT_HTTP_HOST}</td><td>interface the HTTP API
 *       binds to</td></tr>
 *   <tr><td>{@code allowAnonymous}</td><td>{@code false}</td><td>whether requests without an API key
 *       are served (as an operator of every tenant; key management still needs an admin key). Only
 *       allowed when {@code httpHost} is a loopback address: a node that listens beyond loopback always
 *       requires keys ({@code engram serve --allow-anonymous})</td></tr>
 *   <tr><td>{@code httpPort}</td><td>{@value #DEFAULT_HTTP_PORT}</td><td>port of the HTTP API;
 *       0 picks a free port (see {@link EngramNode#httpPort()})</td></tr>
 *   <tr><td>{@code groupId}</td><td>{@value #DEFAULT_GROUP_ID}</td><td>consumer group of the
 *       node's feedback consumer</td></tr>
 *   <tr><td>{@code embedder}</td><td>{@code null}</td><td>embeds case texts and queries; with one,
 *       recall is hybrid (BM25 + vectors), without, BM25 only. Cases are embedded off the write path
 *       ({@code VectorBackfill}): searchable by BM25 once their batch is written, by vector soon
 *       after their index commit</td></tr>
 *   <tr><td>{@code storeConfig}</td><td>{@link CaseStoreConfig#defaults()}</td><td>the case
 *       store's settings</td></tr>
 *   <tr><td>{@code resilience}</td><td>{@link ResilienceConfig#defaults()}</td><td>retries,
 *       breakers and time limits</td></tr>
 *   <tr><td>{@code maxBatchRecords}</td><td>{@value #DEFAULT_MAX_BATCH_RECORDS}</td><td>largest
 *       batch handed to the ingest actor ({@code max.poll.records}). The encoder is not on the write
 *       path, so the same default holds with an embedder</td></tr>
 *   <tr><td>{@code pollTimeout}</td><td>100 ms</td><td>longest single {@code poll}</td></tr>
 *   <tr><td>{@code commitInterval}</td><td>1 s</td><td>longest time written feedback waits for the
 *       Lucene index commit that makes it durable (with the Kafka offsets it covers), in [0, 1 h];
 *       0 commits after every batch. Cases are searchable as soon as their batch is written, commit
 *       or not; a crash loses what is not committed from the index and the node replays it from
 *       Kafka (writes are idempotent, so nothing is doubled). A revoked partition and a stopping
 *       node are committed at once ({@code engram serve --commit-interval-ms})</td></tr>
 *   <tr><td>{@code commitMaxEvents}</td><td>{@value IndexCommitPolicy#DEFAULT_MAX_EVENTS}</td><td>most
 *       records written but not committed: the batch that reaches them ends with an index commit,
 *       in [1, {@value IndexCommitPolicy#MAX_MAX_EVENTS}]; 1 commits after every batch
 *       ({@code engram serve --commit-max-events})</td></tr>
 *   <tr><td>{@code clock}</td><td>{@link Clock#systemUTC()}</td><td>time source of dead letters
 *       and metrics</td></tr>
 *   <tr><td>{@code tuning}</td><td>{@link TuningSchedulerConfig#defaults()}</td><td>when tuning
 *       rounds start (N judged episodes or T), what the jobs train, and whether a training worker
 *       runs inside the node (by default only with the embedded broker)</td></tr>
 *   <tr><td>{@code promotionGate}</td><td>{@link PromotionGate#defaults()}: {@code minHeldOutGain}
 *       {@value PromotionGate#DEFAULT_MIN_HELD_OUT_GAIN}, {@code maxRetentionLoss}
 *       {@value PromotionGate#DEFAULT_MAX_RETENTION_LOSS}, {@code maxHeldOutLoss}
 *       {@value PromotionGate#DEFAULT_MAX_HELD_OUT_LOSS}, {@code confidence}
 *       {@value PromotionGate#DEFAULT_CONFIDENCE}</td><td>the margins a CANDIDATE adapter must
 *       meet to serve: on the node's own paired test over every task held out so far, the
 *       {@code confidence} interval's lower bound at least {@code -maxHeldOutLoss} and the mean gain
 *       at least {@code minHeldOutGain} (in [-1, 1]); on a worker's figures, its held-out gain at
 *       least {@code minHeldOutGain} and its retention nDCG@10 loss at most {@code maxRetentionLoss}
 *       (in [0, 1]). Every node decides for itself, so give all nodes the same margins
 *       ({@code engram serve --min-held-out-gain --max-held-out-loss --gate-confidence
 *       --max-retention-loss})</td></tr>
 *   <tr><td>{@code adapterVersionsKept}</td><td>{@value #DEFAULT_ADAPTER_VERSIONS_KEPT}</td><td>how
 *       many of each adapter's newest versions keep their files in {@code dataDir/adapters}, in
 *       [1, 1000]; the serving, the pinned and the rolled-back-to versions are kept besides. Older
 *       directories are deleted; a pin or rollback to one of them reads it from
 *       {@code engram.adapters} again ({@code engram serve --adapter-versions-kept})</td></tr>
 *   <tr><td>{@code kafkaProperties}</td><td>none</td><td>Kafka client properties (SASL, SSL...)
 *       every Kafka client of the node uses, laid over Engram's safe defaults
 *       ({@link KafkaConnection}; {@code engram serve --kafka-properties FILE}). Only with
 *       {@code bootstrapServers}: the embedded broker is plaintext</td></tr>
 *   <tr><td>{@code feedbackLayout}</td><td>{@link FeedbackTopicLayout#SHARED shared}</td><td>where
 *       feedback is read from: {@code engram.feedback}, or every per-tenant topic
 *       {@code engram.feedback.<tenant>} (by pattern), where an event whose tenant is not its topic's
 *       is dead-lettered; per-tenant topics with prefixed ACLs keep one tenant's producers out of
 *       another's memory ({@code engram serve --feedback-layout per-tenant})</td></tr>
 *   <tr><td>{@code maxConcurrentRecalls}</td><td>2 × the available cores</td><td>recalls running at
 *       once, in [1, 10000]; one more is answered {@code 429 Too Many Requests} with
 *       {@code Retry-After}. Recalls run on their own dispatcher with this many threads, apart from
 *       ingest's writes ({@code engram serve --max-concurrent-recalls})</td></tr>
 *   <tr><td>{@code trustedWorkers}</td><td>{@link TrustedWorkerKeys#none()}</td><td>the training
 *       workers whose signed candidates the node admits to its gate ({@code engram serve
 *       --trusted-workers FILE}: a file of {@code worker-key.pub} lines or a directory of them, read
 *       once at start). A candidate that is unsigned, signed by another key, or whose signature does
 *       not verify is listed as rejected and never served. The local default ({@code engram serve}
 *       with its own worker) adds that worker's key by itself</td></tr>
 *   <tr><td>{@code trustedNodes}</td><td>{@link TrustedNodeKeys#none()}</td><td>the other nodes whose
 *       signed pins, unpins and rollbacks this node applies ({@code engram serve --trusted-nodes FILE}:
 *       a file of {@code node-key.pub} lines or a directory of them, read once at start). The node's
 *       own key ({@code DATA/node-key.pem}, made on first start) is always trusted; a control that is
 *       unsigned, signed by another key, altered or replayed is skipped and counted in
 *       {@code /health}. Give every node of a cluster the others' keys</td></tr>
 *   <tr><td>{@code httpTls}</td><td>{@code null} (plain HTTP)</td><td>serve the HTTP API over TLS
 *       only, with the key and certificate of a PKCS12 keystore ({@link HttpTls}; {@code engram serve
 *       --tls-keystore FILE --tls-password-file FILE}); clients then call {@code https://}. Use it
 *       whenever the API is reachable beyond loopback: API keys travel in every request</td></tr>
 *   <tr><td>{@code maxFailedAuthPerMinute}</td><td>{@value FailedAuthLimiter#DEFAULT_MAX_FAILURES}</td><td>wrong
 *       API keys one client address may send in a minute; past that its wrong keys are answered
 *       {@code 429} with {@code Retry-After} until the minute is over, while valid keys from the same
 *       address are served as always ({@link FailedAuthLimiter}), in [1, 1000000]</td></tr>
 *   <tr><td>{@code cluster}</td><td>{@link ClusterConfig#off()}</td><td>whether the node joins a
 *       Pekko cluster of nodes that share the feedback consumer group: each owns the partitions
 *       Kafka assigned it, and any node answers any tenant's recall by routing it to the owner of
 *       the tenant's partition ({@code engram serve --cluster-port N [--cluster-seed HOST:PORT]}).
 *       Only with the shared feedback layout and an external broker. Its failure-detection times
 *       (the consumer's session timeout and heartbeat, the wait before downing a member) bound how
 *       long a dead node's tenants go unanswered</td></tr>
 *   <tr><td>{@code agentModelRounds}</td><td>{@link AgentModelRoundsConfig#disabled()}</td><td>whether
 *       the node asks for agent-model rounds: after N new successful episodes of a tenant an
 *       agent-model job goes to {@code engram.training-jobs} for workers that have the agents' model
 *       ({@code engram serve --agent-model-rounds N}, {@code engram worker --agent-model DIR})</td></tr>
 * </table>
 *
 * <pre>{@code
 * NodeConfig config = NodeConfig.builder(Path.of(".engram"))
 *         .bootstrapServers("kafka-1:9092")   // omit for the embedded broker
 *         .httpPort(0)                        // any free port
 *         .build();
 * }</pre>
 */
public record NodeConfig(
        Path dataDir,
        String bootstrapServers,
        String httpHost,
        int httpPort,
        String groupId,
        Embedder embedder,
        CaseStoreConfig storeConfig,
        ResilienceConfig resilience,
        int maxBatchRecords,
        Duration pollTimeout,
        Duration commitInterval,
        int commitMaxEvents,
        Clock clock,
        TuningSchedulerConfig tuning,
        PromotionGate promotionGate,
        int adapterVersionsKept,
        Map<String, String> kafkaProperties,
        FeedbackTopicLayout feedbackLayout,
        int maxConcurrentRecalls,
        boolean allowAnonymous,
        TrustedWorkerKeys trustedWorkers,
        TrustedNodeKeys trustedNodes,
        HttpTls httpTls,
        int maxFailedAuthPerMinute,
        ClusterConfig cluster,
        AgentModelRoundsConfig agentModelRounds) {

    /** Default interface of the HTTP API: loopback only. */
    public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
    /** Default port of the HTTP API (also the CLI's default for {@code recall --node}). */
    public static final int DEFAULT_HTTP_PORT = 7070;
    /** Default consumer group of the feedback consumer. */
    public static final String DEFAULT_GROUP_ID = "engram-node";
    /** Default largest batch. */
    public static final int DEFAULT_MAX_BATCH_RECORDS = 1000;
    /** Default longest poll. */
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(100);
    /** Default number of each adapter's newest versions whose files stay on disk. */
    public static final int DEFAULT_ADAPTER_VERSIONS_KEPT = 5;
    /** Most recalls at once allowed by the settings. */
    public static final int MAX_CONCURRENT_RECALLS = 10_000;

    private static final Pattern GROUP_ID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    public NodeConfig {
        Objects.requireNonNull(dataDir, "nodeConfig.dataDir is required");
        if (bootstrapServers != null && bootstrapServers.isBlank()) {
            throw new IllegalArgumentException(
                    "nodeConfig.bootstrapServers must be host:port[,host:port...] or null for the embedded broker");
        }
        if (httpHost == null || httpHost.isBlank()) {
            throw new IllegalArgumentException("nodeConfig.httpHost is required, e.g. 127.0.0.1 or 0.0.0.0");
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException(
                    "nodeConfig.httpPort must be in [0, 65535] (0 = any free port), was " + httpPort);
        }
        if (groupId == null || !GROUP_ID.matcher(groupId).matches()) {
            throw new IllegalArgumentException(
                    "nodeConfig.groupId must match " + GROUP_ID.pattern() + ", was " + groupId);
        }
        Objects.requireNonNull(storeConfig, "nodeConfig.storeConfig is required (CaseStoreConfig.defaults())");
        if (embedder != null && embedder.dimension() != storeConfig.vectorDimension()) {
            throw new IllegalArgumentException("nodeConfig.embedder makes " + embedder.dimension()
                    + "-dimensional vectors but nodeConfig.storeConfig.vectorDimension is "
                    + storeConfig.vectorDimension() + "; set storeConfig.withVectorDimension("
                    + embedder.dimension() + ")");
        }
        Objects.requireNonNull(resilience, "nodeConfig.resilience is required (ResilienceConfig.defaults())");
        if (maxBatchRecords < 1 || maxBatchRecords > 100_000) {
            throw new IllegalArgumentException(
                    "nodeConfig.maxBatchRecords must be in [1, 100000], was " + maxBatchRecords);
        }
        Objects.requireNonNull(pollTimeout, "nodeConfig.pollTimeout is required");
        if (pollTimeout.isNegative() || pollTimeout.isZero()) {
            throw new IllegalArgumentException("nodeConfig.pollTimeout must be positive, was " + pollTimeout);
        }
        Objects.requireNonNull(
                commitInterval, "nodeConfig.commitInterval is required (e.g. 1 s; 0 commits every batch)");
        if (commitInterval.isNegative() || commitInterval.compareTo(IndexCommitPolicy.MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("nodeConfig.commitInterval must be in [0, "
                    + IndexCommitPolicy.MAX_INTERVAL + "] (0 commits every batch), was " + commitInterval);
        }
        if (commitMaxEvents < 1 || commitMaxEvents > IndexCommitPolicy.MAX_MAX_EVENTS) {
            throw new IllegalArgumentException("nodeConfig.commitMaxEvents must be in [1, "
                    + IndexCommitPolicy.MAX_MAX_EVENTS + "] (1 commits every batch), was " + commitMaxEvents);
        }
        Objects.requireNonNull(clock, "nodeConfig.clock is required");
        Objects.requireNonNull(
                tuning, "nodeConfig.tuning is required (TuningSchedulerConfig.defaults() or .disabled())");
        Objects.requireNonNull(promotionGate, "nodeConfig.promotionGate is required (PromotionGate.defaults())");
        if (adapterVersionsKept < 1 || adapterVersionsKept > 1000) {
            throw new IllegalArgumentException(
                    "nodeConfig.adapterVersionsKept must be in [1, 1000], was " + adapterVersionsKept);
        }
        Objects.requireNonNull(kafkaProperties, "nodeConfig.kafkaProperties is required (Map.of() for none)");
        if (!kafkaProperties.isEmpty() && bootstrapServers == null) {
            throw new IllegalArgumentException("nodeConfig.kafkaProperties need nodeConfig.bootstrapServers: the "
                    + "embedded broker is plaintext; give the secured cluster's servers (--bootstrap)");
        }
        // Validated here, so a bad file fails the configuration, not the node's start.
        try {
            kafkaProperties = new KafkaConnection(
                            bootstrapServers == null ? "embedded" : bootstrapServers, kafkaProperties)
                    .clientProperties();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("nodeConfig.kafkaProperties: " + e.getMessage(), e);
        }
        Objects.requireNonNull(feedbackLayout, "nodeConfig.feedbackLayout is required (FeedbackTopicLayout.SHARED)");
        if (maxConcurrentRecalls < 1 || maxConcurrentRecalls > MAX_CONCURRENT_RECALLS) {
            throw new IllegalArgumentException("nodeConfig.maxConcurrentRecalls must be in [1, "
                    + MAX_CONCURRENT_RECALLS + "], was " + maxConcurrentRecalls);
        }
        Objects.requireNonNull(
                trustedWorkers,
                "nodeConfig.trustedWorkers is required (TrustedWorkerKeys.none() " + "trusts no worker)");
        Objects.requireNonNull(
                trustedNodes,
                "nodeConfig.trustedNodes is required (TrustedNodeKeys.none(): only the node's own key is trusted)");
        if (maxFailedAuthPerMinute < 1 || maxFailedAuthPerMinute > 1_000_000) {
            throw new IllegalArgumentException(
                    "nodeConfig.maxFailedAuthPerMinute must be in [1, 1000000], was " + maxFailedAuthPerMinute);
        }
        Objects.requireNonNull(cluster, "nodeConfig.cluster is required (ClusterConfig.off() for a node on its own)");
        Objects.requireNonNull(
                agentModelRounds, "nodeConfig.agentModelRounds is required (AgentModelRoundsConfig.disabled())");
        if (cluster.enabled() && feedbackLayout != FeedbackTopicLayout.SHARED) {
            throw new IllegalArgumentException("nodeConfig.cluster needs the shared feedback layout: partitions of "
                    + "engram.feedback are what nodes own (drop --feedback-layout per-tenant or the cluster options)");
        }
        if (cluster.enabled() && bootstrapServers == null) {
            throw new IllegalArgumentException("nodeConfig.cluster needs a broker that every node shares: give "
                    + "bootstrapServers (e.g. 'engram broker', then --bootstrap 127.0.0.1:9092)");
        }
        if (allowAnonymous && !isLoopback(httpHost)) {
            throw new IllegalArgumentException("nodeConfig.allowAnonymous is only allowed when the HTTP API listens on "
                    + "loopback, but httpHost is " + httpHost + ": a node reachable from other hosts requires API "
                    + "keys (drop --allow-anonymous, or listen on 127.0.0.1)");
        }
    }

    /** Default {@code maxConcurrentRecalls}: twice the cores this JVM may use. */
    public static int defaultMaxConcurrentRecalls() {
        return 2 * Runtime.getRuntime().availableProcessors();
    }

    /** When the ingest actor commits the case index: {@link #commitInterval} and {@link #commitMaxEvents}. */
    public IndexCommitPolicy indexCommits() {
        return new IndexCommitPolicy(commitInterval, commitMaxEvents);
    }

    /** How the node's Kafka clients reach {@code bootstrap} (the configured or embedded broker's servers). */
    public KafkaConnection kafka(String bootstrap) {
        return new KafkaConnection(bootstrap, kafkaProperties);
    }

    /** {@code true} when the HTTP API is served over TLS ({@link #httpTls()} is set). */
    public boolean httpsEnabled() {
        return httpTls != null;
    }

    /** {@code true} when the HTTP API listens on loopback only (reachable from this host alone). */
    public boolean httpOnLoopback() {
        return isLoopback(httpHost);
    }

    /** {@code true} when {@code host} is (or resolves only to) loopback addresses; false when it cannot be resolved. */
    static boolean isLoopback(String host) {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host);
            return addresses.length > 0 && Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress);
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A builder with every default set; only the data directory is required. */
    public static NodeConfigBuilder builder(Path dataDir) {
        return new NodeConfigBuilder(dataDir);
    }

    /** The defaults for the given data directory: embedded broker, port 7070, BM25 only. */
    public static NodeConfig defaults(Path dataDir) {
        return builder(dataDir).build();
    }

    /** {@code true} when the node runs its own embedded broker. */
    public boolean embeddedBroker() {
        return bootstrapServers == null;
    }

    /** A builder seeded with this configuration. */
    public NodeConfigBuilder toBuilder() {
        return new NodeConfigBuilder(dataDir)
                .bootstrapServers(bootstrapServers)
                .httpHost(httpHost)
                .httpPort(httpPort)
                .groupId(groupId)
                .embedder(embedder)
                .storeConfig(storeConfig)
                .resilience(resilience)
                .maxBatchRecords(maxBatchRecords)
                .pollTimeout(pollTimeout)
                .commitInterval(commitInterval)
                .commitMaxEvents(commitMaxEvents)
                .clock(clock)
                .tuning(tuning)
                .promotionGate(promotionGate)
                .adapterVersionsKept(adapterVersionsKept)
                .kafkaProperties(kafkaProperties)
                .feedbackLayout(feedbackLayout)
                .maxConcurrentRecalls(maxConcurrentRecalls)
                .allowAnonymous(allowAnonymous)
                .trustedWorkers(trustedWorkers)
                .trustedNodes(trustedNodes)
                .httpTls(httpTls)
                .maxFailedAuthPerMinute(maxFailedAuthPerMinute)
                .cluster(cluster)
                .agentModelRounds(agentModelRounds);
    }
}
