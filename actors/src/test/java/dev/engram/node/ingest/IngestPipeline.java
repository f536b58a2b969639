package dev.engram.node.ingest;

import dev.engram.memory.CaseStore;
import dev.engram.node.auth.ApiKeys;
import dev.engram.node.config.ResilienceConfig;
import dev.engram.node.http.HealthReport;
import dev.engram.node.http.HttpAccess;
import dev.engram.node.http.HttpApi;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.internal.ResilienceRegistries;
import dev.engram.node.recall.Recaller;
import dev.engram.node.testing.SharedKafka;
import dev.engram.streams.KafkaClientFactory;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The node's ingest path as {@code EngramNode} wires it (consumer thread, ingest actor, batch
 * writer, Kafka dead-letter sink, {@code /health} over HTTP), on the shared broker and a store the
 * test chooses, so that faults can be injected into the store.
 */
final class IngestPipeline implements AutoCloseable {

    final NodeMetrics metrics = new NodeMetrics();
    final ResilienceRegistries resilience;
    final FeedbackConsumer consumer;
    private final ActorTestKit testKit;
    private final ActorRef<IngestActor.Command> actor;
    private final KafkaDeadLetterSink deadLetters;
    private final Thread thread;
    private final ServerBinding binding;

    IngestPipeline(
            ActorTestKit testKit,
            CaseStore store,
            String topic,
            String group,
            ResilienceConfig config,
            ExecutorService blocking,
            ScheduledExecutorService scheduler)
            throws Exception {
        this(testKit, store, topic, group, config, IndexCommitPolicy.EVERY_BATCH, blocking, scheduler);
    }

    /** As above, the ingest actor committing the index as {@code commits} says. */
    IngestPipeline(
            ActorTestKit testKit,
            CaseStore store,
            String topic,
            String group,
            ResilienceConfig config,
            IndexCommitPolicy commits,
            ExecutorService blocking,
            ScheduledExecutorService scheduler)
            throws Exception {
        this.testKit = testKit;
        String bootstrap = SharedKafka.bootstrapServers();
        resilience = new ResilienceRegistries(config, metrics.registry());
        deadLetters = new KafkaDeadLetterSink(
                KafkaClientFactory.producer(bootstrap),
                resilience.deadLetterRetry(),
                resilience.deadLetterBreaker(),
                resilience.deadLetterTimeLimiter(),
                scheduler,
                blocking,
                metrics);
        BatchWriter writer = new BatchWriter(
                store,
                null,
                new FeedbackDecoder(Clock.systemUTC()),
                deadLetters,
                resilience.storeWriteRetry(),
                scheduler,
                blocking,
                metrics);
        actor = testKit.spawn(IngestActor.create(writer, commits));
        Duration batchTimeout = config.batchTimeout();
        consumer = new FeedbackConsumer(
                () -> KafkaClientFactory.consumer(bootstrap, group, Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50)),
                FeedbackConsumer.Subscription.topic(topic),
                (batch, isolate) -> AskPattern.<IngestActor.Command, BatchResult>ask(
                        actor,
                        replyTo -> new IngestActor.Ingest(batch, isolate, replyTo),
                        batchTimeout,
                        testKit.system().scheduler()),
                writer::durableOffsets,
                this::commitIndex,
                metrics,
                Duration.ofMillis(50),
                batchTimeout,
                resilience.ingestPartitionRetry(),
                Clock.systemUTC(),
                FeedbackConsumer.NO_OWNERSHIP);
        thread = new Thread(consumer, "test-feedback-consumer");
        thread.setDaemon(true);
        thread.start();
        // Anonymous calls allowed (on loopback, as a node may): these tests read the whole health report.
        HttpAccess access = new HttpAccess(
                ApiKeys.open(Files.createTempDirectory("ingest-pipeline-keys"), Clock.systemUTC()), true);
        HttpApi api = new HttpApi(new Recaller(store, null, blocking, metrics), metrics, this::health, access, null);
        binding =
                api.bind(testKit.system(), "127.0.0.1", 0).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Has the ingest actor commit the index now; completes with the offsets the commit holds. */
    CompletionStage<Map<TopicPartition, Long>> commitIndex() {
        return AskPattern.<IngestActor.Command, IngestActor.Committed>ask(
                        actor,
                        IngestActor.CommitIndex::new,
                        Duration.ofSeconds(30),
                        testKit.system().scheduler())
                .thenApply(IngestActor.Committed::durableOffsets);
    }

    /** The ingest actor's status. */
    IngestActor.Status status() throws Exception {
        return AskPattern.<IngestActor.Command, IngestActor.Status>ask(
                        actor,
                        IngestActor.GetStatus::new,
                        Duration.ofSeconds(30),
                        testKit.system().scheduler())
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    HealthReport health() {
        return HealthReport.of(consumer, "bm25", java.util.Map.of(), SharedKafka.bootstrapServers());
    }

    String healthUrl() {
        return "http://127.0.0.1:" + binding.localAddress().getPort() + "/health";
    }

    @Override
    public void close() throws Exception {
        consumer.stop();
        thread.join(30_000);
        binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
        testKit.stop(actor);
        deadLetters.close();
    }
}
