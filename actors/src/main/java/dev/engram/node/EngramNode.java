package dev.engram.node;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Episode;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.node.auth.ApiKeys;
import dev.engram.node.auth.AuditLog;
import dev.engram.node.auth.FailedAuthLimiter;
import dev.engram.node.auth.IssuedKey;
import dev.engram.node.auth.NodeKey;
import dev.engram.node.cluster.NodeCluster;
import dev.engram.node.http.AdapterFileRoutes;
import dev.engram.node.http.AdapterRoutes;
import dev.engram.node.http.AuditRoutes;
import dev.engram.node.http.ConsoleRoutes;
import dev.engram.node.http.DeadLetterRoutes;
import dev.engram.node.http.HealthReport;
import dev.engram.node.http.HttpAccess;
import dev.engram.node.http.HttpApi;
import dev.engram.node.http.KeyRoutes;
import dev.engram.node.http.PlaygroundRoutes;
import dev.engram.node.http.TenantRoutes;
import dev.engram.node.http.TrainingRoutes;
import dev.engram.node.ingest.FeedbackConsumer;
import dev.engram.node.ingest.KafkaDeadLetterSink;
import dev.engram.node.internal.NodeIdentity;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.internal.PekkoSettings;
import dev.engram.node.internal.ResilienceRegistries;
import dev.engram.node.ops.DeadLetterReader;
import dev.engram.node.ops.TenantSummaries;
import dev.engram.node.ops.TrainingJobTracker;
import dev.engram.node.policy.HeldOutGate;
import dev.engram.node.policy.JudgedTasks;
import dev.engram.node.policy.PolicyFitter;
import dev.engram.node.policy.PolicyRankers;
import dev.engram.node.recall.RecallService;
import dev.engram.node.recall.Recaller;
import dev.engram.node.registry.AdapterRegistry;
import dev.engram.node.tuning.AgentModelScheduler;
import dev.engram.node.tuning.JudgedRecallLog;
import dev.engram.node.tuning.TuningLoop;
import dev.engram.retriever.TextEncoder;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedNodeKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Directives;
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
    /** How long a replaced adapter stays loaded for recalls in flight before its memory is freed. */
    private static final Duration ADAPTER_GRACE = Duration.ofSeconds(5);
    /** How long {@code GET /v1/dead-letters} may take to read the dead-letter topic. */
    private static final Duration DEAD_LETTER_READ_TIMEOUT = Duration.ofSeconds(15);

    private final NodeConfig config;
    private final String bootstrapServers;
    private final CaseStore store;
    private final NodeMetrics metrics;
    private final FeedbackConsumer consumer;
    private final Thread consumerThread;
    private final ServerBinding binding;
    private final Deque<AutoCloseable> resources;
    private final AtomicBoolean closed = new AtomicBoolean();
    private AdapterRegistry adapters;
    private TuningLoop tuning;
    private String createdAdminKey;
    private NodeKey nodeKey;
    private NodeCluster cluster;

    private EngramNode(
            NodeConfig config,
            String bootstrapServers,
            CaseStore store,
            NodeMetrics metrics,
            FeedbackConsumer consumer,
            Thread consumerThread,
            ServerBinding binding,
            Deque<AutoCloseable> resources) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.store = store;
        this.metrics = metrics;
        this.consumer = consumer;
        this.consumerThread = consumerThread;
        this.binding = binding;
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
            return startWith(config, resources);
        } catch (RuntimeException | Error e) {
            closeAll(resources);
            throw e instanceof IllegalStateException ise
                    ? ise
                    : new IllegalStateException("engram node failed to start in " + config.dataDir() + ": " + e, e);
        }
    }

    private static EngramNode startWith(NodeConfig config, Deque<AutoCloseable> resources) {
        createDirectories(config.dataDir());
        // Keys before anything else starts: a node that would listen beyond loopback without keys stops here.
        ApiKeys keys = ApiKeys.open(config.dataDir(), config.clock());
        Optional<IssuedKey> createdAdminKey = Optional.empty();
        if (config.httpOnLoopback()) {
            createdAdminKey = keys.bootstrapAdminKey();
            createdAdminKey.ifPresent(k -> log.info(
                    "created the admin API key {} (principal {}) in {} (owner-only); "
                            + "send it as 'Authorization: Bearer <key>'",
                    k.key().id(),
                    k.key().principal(),
                    config.dataDir().resolve(ApiKeys.ADMIN_KEY_FILE)));
        } else if (keys.isEmpty()) {
            throw new IllegalStateException("the HTTP API would listen on " + config.httpHost() + ", beyond loopback, "
                    + "but " + config.dataDir().resolve(ApiKeys.KEYS_FILE) + " holds no API key, so no one could "
                    + "call it: create one first ('engram keys create --data " + config.dataDir() + " --principal "
                    + "NAME --role admin' while no node runs there), or start the node once on 127.0.0.1, which "
                    + "creates an admin key in " + config.dataDir().resolve(ApiKeys.ADMIN_KEY_FILE));
        }
        AuditLog audit = AuditLog.open(config.dataDir());
        // The node signs the operators' controls it publishes and the case vectors it records; other nodes apply
        // the one and take the other when they trust this key, as this node does theirs and its own.
        NodeKey nodeKey = NodeKey.loadOrCreate(config.dataDir());
        TrustedNodeKeys trustedNodes = config.trustedNodes().with(nodeKey.publicKey());
        String bootstrap = config.bootstrapServers();
        if (bootstrap == null) {
            EmbeddedKafka broker = EmbeddedKafka.start(config.dataDir().resolve("kafka"));
            resources.push(broker);
            bootstrap = broker.bootstrapServers();
            log.info(
                    "embedded Kafka broker at {} (data in {})",
                    bootstrap,
                    config.dataDir().resolve("kafka"));
        }
        // Every Kafka client of the node: the cluster and its client properties (SASL, SSL).
        KafkaConnection kafka = config.kafka(bootstrap);
        TopicAdmin.ensureTopics(kafka, Topics.all());

        CaseStore store = LuceneCaseStore.open(config.dataDir().resolve("cases"), config.storeConfig());
        resources.push(store);
        NodeMetrics metrics = new NodeMetrics();
        ResilienceRegistries resilience = new ResilienceRegistries(config.resilience(), metrics.registry());
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "engram-resilience");
            t.setDaemon(true);
            return t;
        });
        resources.push(scheduler::shutdownNow);

        ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(
                SpawnProtocol.create(),
                NodeCluster.SYSTEM_NAME,
                NodeCluster.settings(PekkoSettings.node(config.maxConcurrentRecalls()), config.cluster()));
        resources.push(() -> {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
        });
        // In a cluster: the consumer's rebalances place the partitions' shards; recalls go to their owners.
        NodeCluster cluster = config.cluster().enabled() ? NodeCluster.join(system, config.cluster(), kafka) : null;
        if (cluster != null) {
            resources.push(cluster);
        }
        Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
        // Ingest's writes and recalls on dispatchers of their own: a burst of one never takes the other's threads.
        Executor ingestThreads =
                system.dispatchers().lookup(DispatcherSelector.fromConfig(PekkoSettings.INGEST_DISPATCHER));
        Executor recallThreads =
                system.dispatchers().lookup(DispatcherSelector.fromConfig(PekkoSettings.RECALL_DISPATCHER));

        KafkaDeadLetterSink deadLetters = new KafkaDeadLetterSink(
                KafkaClientFactory.producer(kafka),
                resilience.deadLetterRetry(),
                resilience.deadLetterBreaker(),
                resilience.deadLetterTimeLimiter(),
                scheduler,
                blocking,
                metrics);
        resources.push(deadLetters);
        // Policies: each version's ranker over the tenant's judged tasks (from the judged-feedback log);
        // the gate measures candidates itself on the held-out tasks.
        // Bounded in the heap: the feedback of the most recently used tenants only, the rest on disk.
        JudgedRecallLog judgedLog = config.tuning().enabled()
                ? new JudgedRecallLog(
                        config.dataDir(),
                        config.tuning().residentTenants(),
                        config.tuning().idleAfter(),
                        config.clock())
                : null;
        JudgedTasks judgedTasks = judgedLog == null
                ? null
                : new JudgedTasks(
                        judgedLog, config.storeConfig(), config.tuning().residentTenants());
        PolicyRankers rankers = judgedTasks == null ? null : new PolicyRankers(store.defaultRanker(), judgedTasks);
        HeldOutGate heldOutGate = rankers == null
                ? null
                : new HeldOutGate(
                        store, judgedTasks, rankers, config.promotionGate().confidence());
        // Adapters: read engram.adapters from the beginning; loaded only against a MiniLM TextEncoder.
        TextEncoder encoder = config.embedder() instanceof TextEncoder e ? e : null;
        AdapterRegistry adapters = AdapterRegistry.start(
                kafka,
                encoder,
                config.dataDir().resolve("adapters"),
                config.promotionGate(),
                ADAPTER_GRACE,
                config.adapterVersionsKept(),
                config.trustedWorkers(),
                trustedNodes,
                heldOutGate);
        resources.push(adapters);
        metrics.refusedControls(adapters::refusedControls);
        // Tuning: schedulers fed by the ingest pipeline's durable batches (workers run apart); rounds
        // start from the version the registry serves and carry a ranker policy fitted for them.
        TuningLoop tuning = config.tuning().enabled()
                ? TuningLoop.start(
                        config.tuning(),
                        kafka,
                        NodeIdentity.of(config.dataDir()),
                        judgedLog,
                        system,
                        store,
                        config.clock(),
                        blocking,
                        name -> java.util.Optional.ofNullable(adapters.adapter(name))
                                .map(v -> v.serving()),
                        encoder == null ? null : new PolicyFitter(judgedTasks, adapters::acquire, store))
                : null;
        if (tuning != null) {
            resources.push(tuning);
        }
        // Agent-model rounds (off unless asked for): the tenant's successful episodes go to workers with the
        // agents' model; the registry, the one reader of engram.adapters, says which versions exist and serve.
        AgentModelScheduler agentRounds = config.agentModelRounds().enabled()
                ? AgentModelScheduler.start(
                        config.agentModelRounds(),
                        kafka,
                        "engram-agent-model-scheduler-" + NodeIdentity.of(config.dataDir()),
                        store,
                        new RegistryAgentModelVersions(adapters),
                        config.clock(),
                        blocking)
                : null;
        if (agentRounds != null) {
            resources.push(agentRounds);
        }
        Consumer<List<Episode>> retrieverRounds = tuning == null ? episodes -> {} : tuning.feedbackListener();
        Consumer<List<Episode>> tuned =
                agentRounds == null ? retrieverRounds : retrieverRounds.andThen(agentRounds.feedbackListener());
        IngestAssembly.Running ingest = new IngestAssembly(
                        config,
                        kafka,
                        system,
                        store,
                        metrics,
                        resilience,
                        scheduler,
                        ingestThreads,
                        deadLetters,
                        cluster,
                        nodeKey,
                        trustedNodes,
                        resources)
                .start(tuned);
        FeedbackConsumer consumer = ingest.consumer();
        Thread consumerThread = ingest.thread();

        org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> controlProducer =
                KafkaClientFactory.producer(kafka);
        resources.push(controlProducer::close);
        HttpAccess access = new HttpAccess(
                keys,
                config.allowAnonymous(),
                new FailedAuthLimiter(
                        config.maxFailedAuthPerMinute(),
                        Duration.ofMinutes(1),
                        FailedAuthLimiter.DEFAULT_MAX_CLIENTS,
                        config.clock()));
        AdapterRoutes adapterRoutes = new AdapterRoutes(
                adapters, AdapterPublisher.over(controlProducer), nodeKey, blocking, config.clock(), access, audit);
        AdapterFileRoutes adapterFileRoutes = new AdapterFileRoutes(adapters, access, blocking);
        KeyRoutes keyRoutes = new KeyRoutes(keys, audit, access, blocking, config.clock());
        AuditRoutes auditRoutes = new AuditRoutes(audit, access, blocking);
        // What operators watch besides adapters: the dead letters (read on request) and the training jobs.
        DeadLetterRoutes deadLetterRoutes =
                new DeadLetterRoutes(new DeadLetterReader(kafka, DEAD_LETTER_READ_TIMEOUT), access, blocking);
        TrainingJobTracker trainingJobs = TrainingJobTracker.start(kafka);
        resources.push(trainingJobs);
        TrainingRoutes trainingRoutes = new TrainingRoutes(trainingJobs, access);
        TenantRoutes tenantRoutes =
                new TenantRoutes(new TenantSummaries(store, config.storeConfig(), adapters), access, blocking);

        Recaller recaller = new Recaller(
                store, config.embedder(), recallThreads, metrics, adapters, rankers, config.maxConcurrentRecalls());
        RecallService recalls = cluster == null ? recaller : cluster.recalls(recaller);
        String bootstrapServers = bootstrap;
        Supplier<HealthReport> health = () -> HealthReport.of(
                        consumer,
                        recaller.mode(),
                        adapters.servingLabels(),
                        bootstrapServers,
                        adapters.failedVersions())
                .withCluster(cluster == null ? null : cluster.status())
                .withRefusedControls(adapters.refusedControls(), adapters.lastRefusedControl());
        PlaygroundRoutes playgroundRoutes =
                new PlaygroundRoutes(recaller, access, cluster == null ? null : cluster::ownerElsewhere);
        ConsoleRoutes consoleRoutes = new ConsoleRoutes(access, metrics, health, trainingJobs, config.clock());
        HttpApi api = new HttpApi(
                recalls,
                metrics,
                health,
                access,
                () -> Directives.concat(
                        adapterRoutes.routes(),
                        adapterFileRoutes.routes(),
                        keyRoutes.routes(),
                        auditRoutes.routes(),
                        deadLetterRoutes.routes(),
                        trainingRoutes.routes(),
                        tenantRoutes.routes(),
                        playgroundRoutes.routes(),
                        consoleRoutes.routes()));
        ServerBinding binding = await(
                api.bind(system, config.httpHost(), config.httpPort(), config.httpTls()),
                "binding the HTTP API to " + config.httpHost() + ":" + config.httpPort()
                        + (config.httpsEnabled() ? " (TLS)" : ""));
        resources.push(() -> binding.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS));

        if (!config.httpOnLoopback() && !config.httpsEnabled()) {
            log.warn(
                    "the HTTP API listens on {} beyond loopback without TLS: API keys cross the network in the "
                            + "clear; give it a keystore (--tls-keystore FILE --tls-password-file FILE) or put a TLS proxy "
                            + "in front",
                    config.httpHost());
        }
        log.info(
                "engram node up: {}://{}:{} kafka {} data {} recall {} ({}); adapters from worker keys {}; "
                        + "controls and case vectors signed by node keys {} (this node: {})",
                config.httpsEnabled() ? "https" : "http",
                config.httpHost(),
                binding.localAddress().getPort(),
                bootstrap,
                config.dataDir(),
                recaller.mode(),
                config.allowAnonymous() ? "anonymous requests allowed, on loopback" : "API keys required",
                config.trustedWorkers().isEmpty()
                        ? "(none trusted: candidates are refused; --trusted-workers FILE)"
                        : config.trustedWorkers().ids(),
                adapters.trustedNodes().ids(),
                nodeKey.id());
        EngramNode node =
                new EngramNode(config, bootstrap, store, metrics, consumer, consumerThread, binding, resources);
        node.adapters = adapters;
        node.tuning = tuning;
        node.createdAdminKey = createdAdminKey.map(IssuedKey::secret).orElse(null);
        node.nodeKey = nodeKey;
        node.cluster = cluster;
        return node;
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

    private static <T> T await(CompletionStage<T> stage, String what) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        } catch (Exception e) {
            throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dir + ": " + e.getMessage(), e);
        }
    }
}
