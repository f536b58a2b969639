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
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * Starts the parts of an {@link EngramNode} in order: the data directory and the API keys (a node
 * that would listen beyond loopback without one stops before anything runs), the node key, the
 * Kafka cluster (the embedded broker when none is configured) and its topics, the case store, the
 * actor system (and the cluster), the dead-letter sink, the policy rankers and the gate, the adapter
 * registry, the tuning schedulers, the ingest pipeline ({@link IngestAssembly}) and the HTTP API.
 *
 * <p>Each part it starts is pushed onto {@code resources} as it starts, so the node (or a start that
 * fails half-way) stops them in reverse order.
 *
 * <pre>{@code
 * Deque<AutoCloseable> resources = new ArrayDeque<>();
 * NodeAssembly.Started parts = new NodeAssembly(config, resources).start();
 * }</pre>
 */
final class NodeAssembly {

    // Logs as the node it starts: operators read one logger for the node's start and stop.
    private static final Logger log = LoggerFactory.getLogger(EngramNode.class);
    /** How long a replaced adapter stays loaded for recalls in flight before its memory is freed. */
    private static final Duration ADAPTER_GRACE = Duration.ofSeconds(5);
    /** How long {@code GET /v1/dead-letters} may take to read the dead-letter topic. */
    private static final Duration DEAD_LETTER_READ_TIMEOUT = Duration.ofSeconds(15);

    /**
     * What a start made, for the node to hold.
     *
     * @param bootstrapServers the Kafka cluster the node consumes from: the configured one or the
     *     embedded broker's
     * @param consumerThread the thread {@code consumer} runs on
     * @param binding where the HTTP API listens
     * @param tuning the tuning schedulers, or {@code null} when tuning is off
     * @param createdAdminKey the secret of the admin key this start created, or {@code null}
     * @param cluster the node's part in a cluster, or {@code null} for a node on its own
     */
    record Started(
            String bootstrapServers,
            CaseStore store,
            NodeMetrics metrics,
            FeedbackConsumer consumer,
            Thread consumerThread,
            ServerBinding binding,
            AdapterRegistry adapters,
            TuningLoop tuning,
            String createdAdminKey,
            NodeKey nodeKey,
            NodeCluster cluster) {}

    private final NodeConfig config;
    private final Deque<AutoCloseable> resources;

    /**
     * @param resources where each part is pushed as it starts; the caller closes them (in reverse
     *     order) when the node stops, or when {@link #start()} throws
     */
    NodeAssembly(NodeConfig config, Deque<AutoCloseable> resources) {
        this.config = Objects.requireNonNull(config, "config");
        this.resources = Objects.requireNonNull(resources, "resources");
    }

    /**
     * Starts every part, in order; returns once the HTTP port is listening.
     *
     * @throws RuntimeException when a part cannot start; what did start is on {@code resources}
     */
    Started start() {
        createDirectories(config.dataDir());
        // Keys before anything else starts: a node that would listen beyond loopback without keys stops here.
        ApiKeys keys = ApiKeys.open(config.dataDir(), config.clock());
        Optional<IssuedKey> createdAdminKey = adminKeyOrRefusal(keys);
        AuditLog audit = AuditLog.open(config.dataDir());
        // The node signs the operators' controls it publishes and the case vectors it records; other nodes apply
        // the one and take the other when they trust this key, as this node does theirs and its own.
        NodeKey nodeKey = NodeKey.loadOrCreate(config.dataDir());
        TrustedNodeKeys trustedNodes = config.trustedNodes().with(nodeKey.publicKey());
        String bootstrap = config.bootstrapServers() != null ? config.bootstrapServers() : startEmbeddedBroker();
        // Every Kafka client of the node: the cluster and its client properties (SASL, SSL).
        KafkaConnection kafka = config.kafka(bootstrap);
        TopicAdmin.ensureTopics(kafka, Topics.all());

        CaseStore store = LuceneCaseStore.open(config.dataDir().resolve("cases"), config.storeConfig());
        resources.push(store);
        NodeMetrics metrics = new NodeMetrics();
        ResilienceRegistries resilience = new ResilienceRegistries(config.resilience(), metrics.registry());
        ScheduledExecutorService scheduler = startResilienceScheduler();

        ActorSystem<SpawnProtocol.Command> system = startActorSystem();
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
        Supplier<HealthReport> health = () -> HealthReport.of(
                        consumer, recaller.mode(), adapters.servingLabels(), bootstrap, adapters.failedVersions())
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

        warnIfClearBeyondLoopback();
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
        return new Started(
                bootstrap,
                store,
                metrics,
                consumer,
                consumerThread,
                binding,
                adapters,
                tuning,
                createdAdminKey.map(IssuedKey::secret).orElse(null),
                nodeKey,
                cluster);
    }

    /**
     * On loopback, the admin key this start created (the first start makes one, in
     * {@code DATA/admin.key}); beyond loopback, a refusal to start when no key could call the API.
     */
    private Optional<IssuedKey> adminKeyOrRefusal(ApiKeys keys) {
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
        return createdAdminKey;
    }

    private String startEmbeddedBroker() {
        EmbeddedKafka broker = EmbeddedKafka.start(config.dataDir().resolve("kafka"));
        resources.push(broker);
        log.info(
                "embedded Kafka broker at {} (data in {})",
                broker.bootstrapServers(),
                config.dataDir().resolve("kafka"));
        return broker.bootstrapServers();
    }

    /** The thread that times Resilience4j's retries and time limits. */
    private ScheduledExecutorService startResilienceScheduler() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "engram-resilience");
            t.setDaemon(true);
            return t;
        });
        resources.push(scheduler::shutdownNow);
        return scheduler;
    }

    private ActorSystem<SpawnProtocol.Command> startActorSystem() {
        ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(
                SpawnProtocol.create(),
                NodeCluster.SYSTEM_NAME,
                NodeCluster.settings(PekkoSettings.node(config.maxConcurrentRecalls()), config.cluster()));
        resources.push(() -> {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
        });
        return system;
    }

    private void warnIfClearBeyondLoopback() {
        if (!config.httpOnLoopback() && !config.httpsEnabled()) {
            log.warn(
                    "the HTTP API listens on {} beyond loopback without TLS: API keys cross the network in the "
                            + "clear; give it a keystore (--tls-keystore FILE --tls-password-file FILE) or put a TLS proxy "
                            + "in front",
                    config.httpHost());
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
