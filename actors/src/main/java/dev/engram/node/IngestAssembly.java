package dev.engram.node;

import dev.engram.memory.CaseStore;
import dev.engram.memory.Episode;
import dev.engram.node.auth.NodeKey;
import dev.engram.node.cluster.NodeCluster;
import dev.engram.node.ingest.BatchResult;
import dev.engram.node.ingest.BatchWriter;
import dev.engram.node.ingest.FeedbackConsumer;
import dev.engram.node.ingest.FeedbackDecoder;
import dev.engram.node.ingest.IngestActor;
import dev.engram.node.ingest.IngestBatch;
import dev.engram.node.ingest.KafkaDeadLetterSink;
import dev.engram.node.ingest.KafkaVectorChangelog;
import dev.engram.node.ingest.VectorBackfill;
import dev.engram.node.internal.NodeIdentity;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.internal.ResilienceRegistries;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedNodeKeys;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The node's ingest pipeline, wired: the vector backfill (with an embedder), the batch writer, the
 * ingest actor and the feedback consumer on its own thread. Each part it starts is pushed onto the
 * node's resources, so the node stops them in reverse order.
 */
final class IngestAssembly {

    /** Cases per embedder call when vectors are added after ingest. */
    private static final int VECTOR_BATCH = 64;
    /** Cases waiting for a vector at most; more are found by a scan of the store. */
    private static final int VECTOR_QUEUE = 10_000;
    /** Records of the vector changelog read ahead of the cases that need them, held at most (~2 KB each at 384 dims). */
    private static final int MAX_HELD_VECTORS = 20_000;
    /** How soon a new per-tenant feedback topic is found by the node's pattern subscription. */
    private static final Duration PER_TENANT_TOPIC_DISCOVERY = Duration.ofSeconds(30);

    private static final Duration ASK_SPAWN_TIMEOUT = Duration.ofSeconds(10);

    /** The started consumer and the thread it runs on. */
    record Running(FeedbackConsumer consumer, Thread thread) {}

    private final NodeConfig config;
    private final KafkaConnection kafka;
    private final ActorSystem<SpawnProtocol.Command> system;
    private final CaseStore store;
    private final NodeMetrics metrics;
    private final ResilienceRegistries resilience;
    private final ScheduledExecutorService scheduler;
    private final Executor ingestThreads;
    private final KafkaDeadLetterSink deadLetters;
    private final NodeCluster cluster;
    private final NodeKey nodeKey;
    private final TrustedNodeKeys trustedNodes;
    private final Deque<AutoCloseable> resources;

    IngestAssembly(
            NodeConfig config,
            KafkaConnection kafka,
            ActorSystem<SpawnProtocol.Command> system,
            CaseStore store,
            NodeMetrics metrics,
            ResilienceRegistries resilience,
            ScheduledExecutorService scheduler,
            Executor ingestThreads,
            KafkaDeadLetterSink deadLetters,
            NodeCluster cluster,
            NodeKey nodeKey,
            TrustedNodeKeys trustedNodes,
            Deque<AutoCloseable> resources) {
        this.config = config;
        this.kafka = kafka;
        this.system = system;
        this.store = store;
        this.metrics = metrics;
        this.resilience = resilience;
        this.scheduler = scheduler;
        this.ingestThreads = ingestThreads;
        this.deadLetters = deadLetters;
        this.cluster = cluster;
        this.nodeKey = nodeKey;
        this.trustedNodes = trustedNodes;
        this.resources = resources;
    }

    /**
     * Starts the pipeline and its consumer thread.
     *
     * @param written told the episodes that became new cases, after each index commit (tuning)
     */
    Running start(Consumer<List<Episode>> written) {
        VectorBackfill vectors = config.embedder() == null ? null : startVectors();
        BatchWriter writer = new BatchWriter(
                store,
                null,
                new FeedbackDecoder(config.clock(), config.feedbackLayout()),
                deadLetters,
                resilience.storeWriteRetry(),
                scheduler,
                ingestThreads,
                metrics,
                vectors == null
                        ? written
                        : episodes -> {
                            vectors.submit(episodes);
                            written.accept(episodes);
                        });
        ActorRef<IngestActor.Command> ingest = spawn(writer);
        Duration batchTimeout = config.resilience().batchTimeout();
        BiFunction<IngestBatch, Set<TopicPartition>, CompletionStage<BatchResult>> toIngest =
                (batch, isolate) -> AskPattern.<IngestActor.Command, BatchResult>ask(
                        ingest,
                        replyTo -> new IngestActor.Ingest(batch, isolate, replyTo),
                        batchTimeout,
                        system.scheduler());
        // Asked before a partition is handed away and when the consumer stops; a failed commit leaves
        // the last one's offsets, so the stream replays the rest.
        Supplier<CompletionStage<Map<TopicPartition, Long>>> commitIndex =
                () -> AskPattern.<IngestActor.Command, IngestActor.Committed>ask(
                                ingest, IngestActor.CommitIndex::new, batchTimeout, system.scheduler())
                        .thenApply(IngestActor.Committed::durableOffsets);
        Supplier<org.apache.kafka.clients.consumer.Consumer<String, byte[]>> consumers =
                () -> KafkaClientFactory.consumer(kafka, config.groupId(), consumerSettings());
        FeedbackConsumer consumer = new FeedbackConsumer(
                consumers,
                config.feedbackLayout() == FeedbackTopicLayout.PER_TENANT
                        ? FeedbackConsumer.Subscription.matching(
                                config.feedbackLayout().subscription())
                        : FeedbackConsumer.Subscription.topic(Topics.FEEDBACK),
                toIngest,
                writer::durableOffsets,
                commitIndex,
                metrics,
                config.pollTimeout(),
                batchTimeout,
                resilience.ingestPartitionRetry(),
                config.clock(),
                cluster == null ? FeedbackConsumer.NO_OWNERSHIP : cluster.ownership());
        Thread consumerThread = new Thread(consumer, "engram-feedback-consumer");
        consumerThread.setDaemon(true);
        consumerThread.start();
        resources.push(() -> {
            consumer.stop();
            consumerThread.join(30_000);
        });
        return new Running(consumer, consumerThread);
    }

    /**
     * Vectors: cases are written without one (BM25-searchable once durable) and given one off the
     * write path, so the stream never waits for the encoder: from the vector changelog when a node
     * this node trusts recorded and signed it (a partition that moved here), else embedded, signed
     * and recorded there.
     */
    private VectorBackfill startVectors() {
        KafkaVectorChangelog changelog =
                KafkaVectorChangelog.open(kafka, config.embedder(), nodeKey, trustedNodes, MAX_HELD_VECTORS);
        resources.push(changelog);
        VectorBackfill vectors = VectorBackfill.start(store, config.embedder(), changelog, VECTOR_BATCH, VECTOR_QUEUE);
        resources.push(vectors);
        MeterRegistry registry = metrics.registry();
        FunctionCounter.builder("engram.vectors.embedded", vectors, VectorBackfill::embedded)
                .description("Case vectors computed by this node's encoder (texts embedded)")
                .register(registry);
        FunctionCounter.builder("engram.vectors.restored", vectors, VectorBackfill::restored)
                .description("Case vectors taken from " + Topics.CASE_VECTORS + " instead of embedding")
                .register(registry);
        FunctionCounter.builder("engram.vectors.refused", changelog, KafkaVectorChangelog::refused)
                .description("Records of " + Topics.CASE_VECTORS + " not used: unreadable, not signed by a trusted"
                        + " node key, or another encoder, text or dimension (the case is embedded instead)")
                .register(registry);
        FunctionCounter.builder("engram.vectors.failed", vectors, VectorBackfill::failed)
                .description("Cases whose embedding failed (BM25-only until the next start)")
                .register(registry);
        return vectors;
    }

    private Map<String, Object> consumerSettings() {
        Map<String, Object> settings = new HashMap<>(Map.of(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                config.maxBatchRecords(),
                ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                NodeIdentity.of(config.dataDir())));
        if (config.cluster().enabled()) {
            // How soon a dead node's partitions move; the Kafka client properties may still say otherwise.
            settings.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int)
                    config.cluster().sessionTimeout().toMillis());
            settings.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int)
                    config.cluster().heartbeatInterval().toMillis());
        }
        if (config.feedbackLayout() == FeedbackTopicLayout.PER_TENANT
                && !config.kafkaProperties().containsKey(ConsumerConfig.METADATA_MAX_AGE_CONFIG)) {
            // A new tenant's topic joins the pattern subscription at the next metadata refresh (Kafka: 5 min).
            settings.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, (int) PER_TENANT_TOPIC_DISCOVERY.toMillis());
        }
        return settings;
    }

    private ActorRef<IngestActor.Command> spawn(BatchWriter writer) {
        CompletionStage<ActorRef<IngestActor.Command>> spawned = AskPattern.ask(
                system,
                replyTo -> new SpawnProtocol.Spawn<>(
                        IngestActor.supervised(writer, config.indexCommits(), config.resilience()),
                        "ingest",
                        Props.empty(),
                        replyTo),
                ASK_SPAWN_TIMEOUT,
                system.scheduler());
        try {
            return spawned.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while spawning the ingest actor", e);
        } catch (Exception e) {
            throw new IllegalStateException("spawning the ingest actor failed: " + e.getMessage(), e);
        }
    }
}
