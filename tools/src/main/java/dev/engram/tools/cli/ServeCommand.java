package dev.engram.tools.cli;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.NodeConfigBuilder;
import dev.engram.node.auth.ApiKeys;
import dev.engram.node.cluster.ClusterConfig;
import dev.engram.node.ingest.IndexCommitPolicy;
import dev.engram.node.registry.PromotionGate;
import dev.engram.node.tuning.AgentModelRoundsConfig;
import dev.engram.retriever.EncoderConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.tools.LocalEngram;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code engram serve}: runs a node until the process is stopped (Ctrl-C / SIGTERM). */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        header = "Run an Engram node that keeps feedback as cases and serves recall over HTTP.",
        description = {
            "Run an Engram node: consume feedback from engram.feedback, keep every valid event as a case in",
            "a Lucene index, dead-letter invalid ones, and serve recall over HTTP.",
            "Without --bootstrap it starts an embedded Kafka broker in DATA/kafka.",
            "Every route but /health needs an API key; on first start on loopback the node creates an admin",
            "key in DATA/admin.key (printed once). Beyond loopback, create a key first with 'engram keys create'.",
            "Prints 'engram node ready: <url> kafka <bootstrap>' once it listens."
        })
final class ServeCommand implements Callable<Integer> {

    /** The first word of the line that announces a started node (tools and tests wait for it). */
    static final String READY = "engram node ready:";

    @Spec
    CommandSpec spec;

    @Option(
            names = "--data",
            defaultValue = ".engram",
            paramLabel = "DIR",
            description =
                    "Data directory: cases in DIR/cases, embedded broker in DIR/kafka (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT[,HOST:PORT]",
            description = "Kafka cluster to use instead of the embedded broker.")
    String bootstrap;

    @Option(
            names = "--http-port",
            defaultValue = "" + NodeConfig.DEFAULT_HTTP_PORT,
            paramLabel = "PORT",
            description = "Port of the HTTP API; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(
            names = "--http-host",
            defaultValue = NodeConfig.DEFAULT_HTTP_HOST,
            paramLabel = "HOST",
            description = "Interface of the HTTP API (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String httpHost;

    @Option(
            names = "--group",
            defaultValue = NodeConfig.DEFAULT_GROUP_ID,
            paramLabel = "ID",
            description = "Consumer group of the feedback consumer (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(
            names = "--max-batch",
            paramLabel = "N",
            description =
                    "Largest batch of records written at once (default: " + NodeConfig.DEFAULT_MAX_BATCH_RECORDS + ").")
    Integer maxBatch;

    @Option(
            names = "--commit-interval-ms",
            paramLabel = "MS",
            description = "Longest time written feedback waits for the index commit that makes it durable; cases are "
                    + "searchable before it, and a crash replays what it did not commit from Kafka; 0 commits every "
                    + "batch (default: 1000).")
    Long commitIntervalMs;

    @Option(
            names = "--commit-max-events",
            paramLabel = "N",
            description = "Most records written but not yet committed: the batch that reaches them ends with an index "
                    + "commit (default: " + IndexCommitPolicy.DEFAULT_MAX_EVENTS + ").")
    Integer commitMaxEvents;

    /** Which embedder makes recall hybrid (BM25 + vectors) and lets the node serve tuned adapters. */
    enum EmbedderChoice {
        none,
        minilm
    }

    @Option(
            names = "--embedder",
            defaultValue = "none",
            paramLabel = "NAME",
            description = {
                "none: BM25-only recall (default; fastest ingest);",
                "minilm: all-MiniLM-L6-v2 from the classpath, hybrid BM25 + vector recall, and the",
                "tenant's promoted LoRA adapter serves its queries. Ingest then embeds every case",
                "(~25 cases/s on 2 cores)."
            })
    EmbedderChoice embedder;

    @Option(
            names = "--min-held-out-gain",
            defaultValue = "" + PromotionGate.DEFAULT_MIN_HELD_OUT_GAIN,
            paramLabel = "GAIN",
            description = {
                "Smallest held-out nDCG@10 gain over its parent for a candidate",
                "adapter to serve, in [-1, 1] (default: ${DEFAULT-VALUE}: no worse than the parent)."
            })
    double minHeldOutGain;

    @Option(
            names = "--max-retention-loss",
            defaultValue = "" + PromotionGate.DEFAULT_MAX_RETENTION_LOSS,
            paramLabel = "LOSS",
            description = {
                "Largest retention nDCG@10 loss a candidate adapter may have and",
                "still serve, in [0, 1] (default: ${DEFAULT-VALUE}). Give every node the same margins."
            })
    double maxRetentionLoss;

    @Option(
            names = "--max-held-out-loss",
            defaultValue = "" + PromotionGate.DEFAULT_MAX_HELD_OUT_LOSS,
            paramLabel = "LOSS",
            description = {
                "Largest held-out nDCG@10 loss the lower bound of the gate's paired interval may show",
                "for a candidate to serve, in [0, 1] (default: ${DEFAULT-VALUE})."
            })
    double maxHeldOutLoss;

    @Option(
            names = "--gate-confidence",
            defaultValue = "" + PromotionGate.DEFAULT_CONFIDENCE,
            paramLabel = "C",
            description = {"Coverage of the gate's paired bootstrap interval, in [0.5, 1) (default: ${DEFAULT-VALUE})."
            })
    double gateConfidence;

    @Option(
            names = "--adapter-versions-kept",
            defaultValue = "" + NodeConfig.DEFAULT_ADAPTER_VERSIONS_KEPT,
            paramLabel = "N",
            description = {
                "Newest versions of each adapter whose files stay in DATA/adapters,",
                "besides the serving and pinned ones (default: ${DEFAULT-VALUE})."
            })
    int adapterVersionsKept;

    @Mixin
    KafkaPropertiesOption kafkaProperties;

    @Option(
            names = "--feedback-layout",
            defaultValue = "shared",
            paramLabel = "LAYOUT",
            converter = FeedbackLayoutConverter.class,
            description = {
                "shared: read engram.feedback (default; its producers may write any tenant);",
                "per-tenant: read every engram.feedback.<tenant> topic and dead-letter an event whose tenant",
                "is not its topic's, so prefixed ACLs keep one tenant's producers out of another's memory."
            })
    FeedbackTopicLayout feedbackLayout;

    @Option(
            names = "--max-concurrent-recalls",
            paramLabel = "N",
            description = "Recalls run at once; one more is answered 429 with Retry-After (default: twice the cores).")
    Integer maxConcurrentRecalls;

    @Option(
            names = "--allow-anonymous",
            description = {
                "Serve requests without an API key (as an operator of every",
                "tenant; managing keys still needs the admin key). Only with an --http-host on loopback."
            })
    boolean allowAnonymous;

    @Option(
            names = "--trusted-workers",
            paramLabel = "FILE",
            description = {
                "The training workers whose signed adapter candidates this node admits to its gate: a file of",
                "worker-key.pub lines (each worker prints where its key is), or a directory of *.pub files.",
                "Unsigned, untrusted or forged candidates are listed as rejected and never served. The worker",
                "this command runs beside the node (with the embedded broker) is trusted without it."
            })
    Path trustedWorkers;

    @Option(
            names = "--trusted-nodes",
            paramLabel = "FILE",
            description = {
                "The other nodes whose signed pins, unpins and rollbacks this node applies: a file of",
                "node-key.pub lines ('engram node-key --data DIR' prints a node's), or a directory of *.pub",
                "files. This node's own key is always trusted; unsigned, untrusted, altered or replayed",
                "controls are skipped and counted in /health. In a cluster, give each node the others' keys."
            })
    Path trustedNodes;

    @Option(
            names = "--tls-keystore",
            paramLabel = "FILE",
            description = {
                "Serve the HTTP API over TLS only (https://), with the key and certificate of this PKCS12",
                "keystore (keytool -genkeypair -storetype PKCS12). Needs --tls-password-file."
            })
    Path tlsKeystore;

    @Option(
            names = "--tls-password-file",
            paramLabel = "FILE",
            description = "File whose first line is the --tls-keystore's password.")
    Path tlsPasswordFile;

    @Option(
            names = "--max-failed-auth-per-minute",
            paramLabel = "N",
            description = "Wrong API keys one client address may send a minute; more are answered 429 with "
                    + "Retry-After, while valid keys are still served (default: 20).")
    Integer maxFailedAuthPerMinute;

    @Option(
            names = "--agent-model-rounds",
            paramLabel = "N",
            description = {
                "Ask for an agent-model round after every N new successful episodes of a tenant: a job on",
                "engram.training-jobs that workers started with --agent-model DIR train, gate and publish as",
                "<tenant>-agent-model (default: off; a node has no agent model)."
            })
    Integer agentModelRounds;

    @Option(
            names = "--agent-model-min-reward",
            paramLabel = "R",
            description = "With --agent-model-rounds: successful from this reward (default: 0.8).")
    Double agentModelMinReward;

    @Option(
            names = "--cluster-port",
            paramLabel = "N",
            description = {
                "Join a cluster of nodes on this cluster port (0: a free one): every node answers every",
                "tenant's recall, routed to the node that owns the tenant's partition. Needs --bootstrap.",
                "Without --cluster-seed this node forms the cluster. Off by default."
            })
    Integer clusterPort;

    @Option(
            names = "--cluster-seed",
            paramLabel = "HOST:PORT",
            description = "A node to join (its --cluster-host:--cluster-port); repeatable.")
    List<String> clusterSeeds;

    @Option(
            names = "--cluster-host",
            defaultValue = ClusterConfig.DEFAULT_HOST,
            paramLabel = "HOST",
            description = "The address other nodes reach this node's cluster port on (default: ${DEFAULT-VALUE}).")
    String clusterHost;

    @Option(
            names = "--cluster-session-timeout",
            defaultValue = "" + ClusterConfig.DEFAULT_SESSION_TIMEOUT_S,
            paramLabel = "SECONDS",
            description = {
                "How long Kafka waits for a silent (dead) node before its partitions move to the others",
                "(session.timeout.ms; the broker allows 6..1800 by default) (default: ${DEFAULT-VALUE})."
            })
    int clusterSessionTimeout;

    @Option(
            names = "--cluster-heartbeat",
            defaultValue = "" + ClusterConfig.DEFAULT_HEARTBEAT_INTERVAL_S,
            paramLabel = "SECONDS",
            description = "The consumer's heartbeat.interval.ms, at most a third of --cluster-session-timeout "
                    + "(default: ${DEFAULT-VALUE}).")
    int clusterHeartbeat;

    @Option(
            names = "--cluster-down-after",
            defaultValue = "" + ClusterConfig.DEFAULT_DOWN_AFTER_S,
            paramLabel = "SECONDS",
            description = "How long membership must be still before an unreachable node is downed (split-brain "
                    + "resolver, keep-majority) (default: ${DEFAULT-VALUE}).")
    int clusterDownAfter;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        // Settings first: a bad option fails before the encoder loads.
        PromotionGate gate = new PromotionGate(minHeldOutGain, maxRetentionLoss, maxHeldOutLoss, gateConfidence);
        NodeConfigBuilder settings = NodeConfig.builder(data)
                .bootstrapServers(bootstrap)
                .httpHost(httpHost)
                .httpPort(httpPort)
                .groupId(group)
                .promotionGate(gate)
                .adapterVersionsKept(adapterVersionsKept)
                .kafkaProperties(kafkaProperties.properties())
                .feedbackLayout(feedbackLayout)
                .allowAnonymous(allowAnonymous);
        if (maxConcurrentRecalls != null) {
            settings.maxConcurrentRecalls(maxConcurrentRecalls);
        }
        if (trustedWorkers != null) {
            settings.trustedWorkers(trustedWorkers);
        }
        if (trustedNodes != null) {
            settings.trustedNodes(trustedNodes);
        }
        if (maxBatch != null) {
            settings.maxBatchRecords(maxBatch);
        }
        if (commitIntervalMs != null) {
            settings.commitInterval(Duration.ofMillis(commitIntervalMs));
        }
        if (commitMaxEvents != null) {
            settings.commitMaxEvents(commitMaxEvents);
        }
        if ((tlsKeystore == null) != (tlsPasswordFile == null)) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--tls-keystore and --tls-password-file go together: give both, or neither");
        }
        if (tlsKeystore != null) {
            settings.httpTls(tlsKeystore, tlsPasswordFile);
        }
        if (maxFailedAuthPerMinute != null) {
            settings.maxFailedAuthPerMinute(maxFailedAuthPerMinute);
        }
        if (agentModelRounds != null) {
            AgentModelRoundsConfig rounds = AgentModelRoundsConfig.every(agentModelRounds);
            settings.agentModelRounds(agentModelMinReward == null ? rounds : rounds.withMinReward(agentModelMinReward));
        } else if (agentModelMinReward != null) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--agent-model-min-reward goes with --agent-model-rounds N");
        }
        if (clusterPort != null || clusterSeeds != null) {
            settings.cluster(ClusterConfig.on(
                            clusterHost,
                            clusterPort == null ? 0 : clusterPort,
                            clusterSeeds == null ? List.of() : clusterSeeds)
                    .withFailover(
                            Duration.ofSeconds(clusterSessionTimeout),
                            Duration.ofSeconds(clusterHeartbeat),
                            Duration.ofSeconds(clusterDownAfter)));
        }
        settings.build();
        TextEncoder encoder = embedder == EmbedderChoice.minilm ? TextEncoder.load(EncoderConfig.defaults()) : null;
        NodeConfig config = settings.embedder(encoder).build();
        LocalEngram local = LocalEngram.start(config);
        EngramNode node = local.node();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            local.close();
                            if (encoder != null) {
                                encoder.close();
                            }
                            NodeInfo.delete(data);
                            stopped.countDown();
                        },
                        "engram-shutdown"));
        new NodeInfo(
                        node.bootstrapServers(),
                        node.httpUrl(),
                        ProcessHandle.current().pid())
                .write(data);
        out.println(READY + " " + node.httpUrl() + " kafka " + node.bootstrapServers() + " data "
                + data.toAbsolutePath().normalize());
        node.createdAdminKey().ifPresent(key -> {
            out.println("  admin API key (shown once; kept in " + data.resolve(ApiKeys.ADMIN_KEY_FILE)
                    + ", readable only by you):");
            out.println("    " + key);
        });
        out.println("  recall:   ./engram recall --tenant TENANT \"some task\"   (uses "
                + data.resolve(ApiKeys.ADMIN_KEY_FILE) + ")");
        out.println("  keys:     ./engram keys create --principal NAME --role reader --tenants TENANT");
        out.println("  feedback: ./engram produce events.jsonl");
        out.println("  adapters: from worker keys "
                + (node.adapters().trustedWorkers().isEmpty()
                        ? "(none trusted: give --trusted-workers FILE)"
                        : node.adapters().trustedWorkers().ids()));
        out.println("  controls: signed by this node's key " + node.nodeKey().id() + " ("
                + node.nodeKey().publicKeyFile() + "; other nodes trust it with --trusted-nodes)");
        node.cluster()
                .ifPresent(cluster -> out.println("  cluster:  " + cluster.selfAddress()
                        + " (other nodes: --cluster-seed " + cluster.seedAddress() + ")"));
        out.println("  stop:     Ctrl-C");
        out.flush();
        stopped.await();
        return 0;
    }
}
