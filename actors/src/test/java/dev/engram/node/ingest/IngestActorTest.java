package dev.engram.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStore;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Embedder;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.node.config.ResilienceConfig;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.internal.ResilienceRegistries;
import dev.engram.node.recall.RecallAnswer;
import dev.engram.node.recall.Recaller;
import dev.engram.node.testing.DeadLetterTopic;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.HashingEmbedder;
import dev.engram.node.testing.SharedKafka;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.KafkaClientFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest actor on a real Lucene store (with injected disk failures) and a real dead-letter
 * producer on the embedded broker.
 */
class IngestActorTest {

    private static final Duration ANSWER = Duration.ofSeconds(60);
    private static ActorTestKit testKit;

    @TempDir
    Path dir;

    private final String topic = "actor-test-" + UUID.randomUUID();
    private ExecutorService blocking;
    private ScheduledExecutorService scheduler;
    private KafkaDeadLetterSink deadLetters;
    private ResilienceRegistries resilience;
    private CaseStore lucene;
    private FlakyCaseStore store;

    @BeforeAll
    static void startTestKit() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stopTestKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        blocking = Executors.newFixedThreadPool(2);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        ResilienceConfig fast =
                ResilienceConfig.defaults().withStoreWrite(6, Duration.ofMillis(10), 2.0, Duration.ofMillis(100));
        resilience = new ResilienceRegistries(fast, new NodeMetrics().registry());
        deadLetters = new KafkaDeadLetterSink(
                KafkaClientFactory.producer(SharedKafka.bootstrapServers()),
                resilience.deadLetterRetry(),
                resilience.deadLetterBreaker(),
                resilience.deadLetterTimeLimiter(),
                scheduler,
                blocking,
                new NodeMetrics());
        lucene = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults());
        store = new FlakyCaseStore(lucene);
    }

    @AfterEach
    void tearDown() throws Exception {
        deadLetters.close();
        store.close();
        scheduler.shutdownNow();
        blocking.shutdownNow();
    }

    private BatchWriter writer() {
        return writer(null);
    }

    private BatchWriter writer(Embedder embedder) {
        return new BatchWriter(
                store,
                embedder,
                new FeedbackDecoder(Clock.systemUTC()),
                deadLetters,
                resilience.storeWriteRetry(),
                scheduler,
                blocking,
                new NodeMetrics());
    }

    /** The stream's items as one batch on partitions 0 and 1 of this test's own source topic. */
    private IngestBatch batch(List<FeedbackStream.Item> items, long firstOffset) {
        List<SourceRecord> records = new ArrayList<>();
        long[] next = {firstOffset, firstOffset};
        for (FeedbackStream.Item item : items) {
            int partition = item.key() == null ? 0 : Math.floorMod(item.key().hashCode(), 2);
            records.add(new SourceRecord(topic, partition, next[partition]++, item.key(), item.value()));
        }
        return new IngestBatch(records);
    }

    @Test
    void writesValidEventsDeadLettersInvalidOnesAndCommitsTheOffsetsWithTheIndex() {
        FeedbackStream stream = FeedbackStream.generate("actor-a", 2, 60, 10, 8, 1);
        IngestBatch batch = batch(stream.items(), 0);
        ActorRef<IngestActor.Command> actor = testKit.spawn(IngestActor.create(writer()));
        TestProbe<BatchResult> probe = testKit.createTestProbe();

        actor.tell(new IngestActor.Ingest(batch, probe.getRef()));

        BatchOutcome outcome =
                probe.expectMessageClass(BatchResult.Done.class, ANSWER).outcome();
        assertThat(outcome.records()).isEqualTo(78);
        assertThat(outcome.ingested()).isEqualTo(60);
        assertThat(outcome.duplicates()).isEqualTo(10);
        assertThat(outcome.invalid()).isEqualTo(8);
        assertThat(outcome.deadLettered()).isEqualTo(8);
        assertThat(outcome.nextOffsets()).isEqualTo(batch.nextOffsets());
        for (String tenant : stream.tenants()) {
            assertThat(lucene.count(tenant)).isEqualTo(stream.idsOf(tenant).size());
        }
        // The offsets are durable in the same commit as the cases.
        assertThat(OffsetCommitData.read(lucene.committedData())).isEqualTo(batch.nextOffsets());

        List<DeadLetter> letters = DeadLetterTopic.readAll(SharedKafka.bootstrapServers()).stream()
                .filter(l -> l.sourceTopic().equals(topic))
                .toList();
        assertThat(letters).hasSize(8);
        for (DeadLetter letter : letters) {
            SourceRecord source = batch.records().stream()
                    .filter(r -> r.partition() == letter.partition() && r.offset() == letter.offset())
                    .findFirst()
                    .orElseThrow();
            assertThat(letter.original()).isEqualTo(source.value() == null ? new byte[0] : source.value());
            assertThat(letter.reason()).isNotBlank();
        }
        assertThat(letters)
                .extracting(l -> l.reason().substring(0, l.reason().indexOf(':')))
                .containsExactlyInAnyOrderElementsOf(stream.items().stream()
                        .filter(i -> !i.valid())
                        .map(FeedbackStream.Item::invalidField)
                        .toList());
    }

    @Test
    void retriesTransientStoreFailuresWithoutLosingOrReorderingBatches(@TempDir Path referenceDir) throws Exception {
        FeedbackStream stream = FeedbackStream.generate("actor-b", 3, 80, 0, 0, 2);
        List<FeedbackStream.Item> items = stream.items();
        IngestBatch first = batch(items.subList(0, 40), 0);
        IngestBatch second = batch(items.subList(40, 80), 1000);
        // Partitions are written one after the other (in the order they first appear), each retried
        // alone: the first one goes through, then the other's attempt 1 writes 4 cases and fails,
        // attempt 2 fails at once, attempt 3 fails mid-way, attempt 4 succeeds.
        int firstPartition = first.records().get(0).partition();
        int inFirstPartition = (int) first.records().stream()
                .filter(r -> r.partition() == firstPartition)
                .count();
        assertThat(first.size() - inFirstPartition)
                .as("the other partition's records")
                .isGreaterThan(12);
        store.failIngestCalls(inFirstPartition + 5, inFirstPartition + 6, inFirstPartition + 17);
        ActorRef<IngestActor.Command> actor = testKit.spawn(IngestActor.create(writer()));
        TestProbe<BatchResult> probe = testKit.createTestProbe();

        actor.tell(new IngestActor.Ingest(first, probe.getRef()));
        actor.tell(new IngestActor.Ingest(second, probe.getRef())); // arrives while the first is retrying

        BatchOutcome firstOutcome =
                probe.expectMessageClass(BatchResult.Done.class, ANSWER).outcome();
        BatchOutcome secondOutcome =
                probe.expectMessageClass(BatchResult.Done.class, ANSWER).outcome();
        assertThat(firstOutcome.nextOffsets()).isEqualTo(first.nextOffsets());
        assertThat(firstOutcome.writeAttempts()).isEqualTo(4);
        assertThat(firstOutcome.ingested()).isEqualTo(40);
        assertThat(secondOutcome.nextOffsets()).isEqualTo(second.nextOffsets());
        assertThat(secondOutcome.writeAttempts()).isEqualTo(1);
        // Every case applied exactly once, batch after batch and partition after partition in Kafka's
        // order, and the statistics match one clean pass.
        List<String> expectedOrder = new ArrayList<>();
        for (IngestBatch b : List.of(first, second)) {
            for (TopicPartition partition : b.firstOffsets().keySet()) {
                b.records().stream()
                        .filter(r -> r.topicPartition().equals(partition))
                        .forEach(r -> expectedOrder.add(
                                EventCodec.decodeFeedback(r.value()).eventId()));
            }
        }
        assertThat(store.applied()).containsExactlyElementsOf(expectedOrder);
        assertThat(store.applied())
                .containsExactlyInAnyOrderElementsOf(stream.distinctEvents().keySet());
        try (CaseStore reference = stream.referenceStore(referenceDir)) {
            for (String tenant : stream.tenants()) {
                assertThat(lucene.cases(tenant)).isEqualTo(reference.cases(tenant));
            }
        }
        assertThat(resilience.storeWriteRetry().getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt())
                .isEqualTo(1);
    }

    @Test
    void answersFailedWhenRetriesAreExhaustedAndAdvancesNothing() {
        FeedbackStream stream = FeedbackStream.generate("actor-c", 1, 20, 0, 0, 3);
        IngestBatch batch = batch(stream.items(), 0);
        store.failNextIngests(1_000);
        ActorRef<IngestActor.Command> actor = testKit.spawn(IngestActor.create(writer()));
        TestProbe<BatchResult> probe = testKit.createTestProbe();
        TestProbe<IngestActor.Status> status = testKit.createTestProbe();

        actor.tell(new IngestActor.Ingest(batch, probe.getRef()));

        BatchResult.Failed failed = probe.expectMessageClass(BatchResult.Failed.class, ANSWER);
        assertThat(failed.reason()).contains("injected disk failure");
        assertThat(lucene.committedData()).isEmpty();
        actor.tell(new IngestActor.GetStatus(status.getRef()));
        assertThat(status.receiveMessage(ANSWER).durableOffsets()).isEmpty();

        // Redelivered once the disk recovers: everything lands once.
        store.failNextIngests(0);
        actor.tell(new IngestActor.Ingest(batch, probe.getRef()));
        assertThat(probe.expectMessageClass(BatchResult.Done.class, ANSWER)
                        .outcome()
                        .ingested())
                .isEqualTo(20);
        assertThat(lucene.count("actor-c-0")).isEqualTo(20);
        assertThat(OffsetCommitData.read(lucene.committedData())).isEqualTo(batch.nextOffsets());
    }

    @Test
    void anIsolatedPartitionDeadLettersTheRecordThatFailsOnlyWhileTheIndexCommits() {
        FeedbackStream stream = FeedbackStream.generate("actor-g", 1, 20, 0, 0, 7);
        IngestBatch batch = batch(stream.items(), 0);
        TopicPartition partition = batch.records().get(0).topicPartition();
        String poison = stream.items().get(5).event().eventId();
        store.poisonEvents(poison);
        ActorRef<IngestActor.Command> actor = testKit.spawn(IngestActor.create(writer()));
        TestProbe<BatchResult> probe = testKit.createTestProbe();

        // The whole store fails: every record fails alone, and so does the commit, so none is blamed.
        store.failNextIngests(1_000).failNextCommits(1_000);
        actor.tell(new IngestActor.Ingest(batch, Set.of(partition), probe.getRef()));
        BatchResult.Failed failed = probe.expectMessageClass(BatchResult.Failed.class, ANSWER);
        assertThat(failed.reason()).startsWith("store: ").contains("no record is blamed");
        assertThat(DeadLetterTopic.readAll(SharedKafka.bootstrapServers()))
                .noneMatch(l -> l.sourceTopic().equals(topic));

        // The store recovers: the record that still fails alone is dead-lettered, the others stored.
        store.failNextIngests(0).failNextCommits(0);
        actor.tell(new IngestActor.Ingest(batch, Set.of(partition), probe.getRef()));
        BatchOutcome outcome =
                probe.expectMessageClass(BatchResult.Done.class, ANSWER).outcome();
        assertThat(outcome.ingested()).isEqualTo(19);
        assertThat(outcome.invalid()).isEqualTo(1);
        assertThat(outcome.deadLettered()).isEqualTo(1);
        assertThat(lucene.count("actor-g-0")).isEqualTo(19);
        assertThat(lucene.get("actor-g-0", poison)).isEmpty();
        assertThat(OffsetCommitData.read(lucene.committedData())).isEqualTo(batch.nextOffsets());
        List<DeadLetter> letters = DeadLetterTopic.readAll(SharedKafka.bootstrapServers()).stream()
                .filter(l -> l.sourceTopic().equals(topic))
                .toList();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).offset()).isEqualTo(5);
        assertThat(letters.get(0).reason()).startsWith("store: java.lang.ArithmeticException: long overflow");
        assertThat(letters.get(0).original()).isEqualTo(stream.items().get(5).value());
    }

    @Test
    void aFailingPartitionFailsAloneAndTheOthersOfItsBatchAreDurable() {
        FeedbackStream stream = FeedbackStream.generate("actor-h", 3, 40, 0, 0, 8);
        IngestBatch batch = batch(stream.items(), 0);
        Map<TopicPartition, Long> next = batch.nextOffsets();
        assertThat(next).hasSize(2);
        FeedbackStream.Item bad = stream.items().get(stream.items().size() - 1);
        TopicPartition failing = batch.records().get(batch.size() - 1).topicPartition();
        store.poisonEvents(bad.event().eventId());
        ActorRef<IngestActor.Command> actor = testKit.spawn(IngestActor.create(writer()));
        TestProbe<BatchResult> probe = testKit.createTestProbe();

        actor.tell(new IngestActor.Ingest(batch, probe.getRef()));

        BatchResult.Partial partial = probe.expectMessageClass(BatchResult.Partial.class, ANSWER);
        assertThat(partial.failed()).containsOnlyKeys(failing);
        assertThat(partial.failed().get(failing).reason()).startsWith("store: java.lang.ArithmeticException");
        Map<TopicPartition, Long> durable = new java.util.HashMap<>(next);
        durable.remove(failing);
        assertThat(partial.outcome().nextOffsets()).isEqualTo(durable);
        assertThat(OffsetCommitData.read(lucene.committedData())).isEqualTo(durable);
        long inDurable = batch.records().stream()
                .filter(r -> !r.topicPartition().equals(failing))
                .count();
        assertThat(partial.outcome().ingested()).isEqualTo((int) inDurable);
    }

    @Test
    void retriesAFailingIndexCommit() {
        FeedbackStream stream = FeedbackStream.generate("actor-d", 1, 10, 0, 0, 4);
        IngestBatch batch = batch(stream.items(), 0);
        store.failNextCommits(2);
        ActorRef<IngestActor.Command> actor = testKit.spawn(IngestActor.create(writer()));
        TestProbe<BatchResult> probe = testKit.createTestProbe();

        actor.tell(new IngestActor.Ingest(batch, probe.getRef()));

        probe.expectMessageClass(BatchResult.Done.class, ANSWER);
        assertThat(OffsetCommitData.read(lucene.committedData())).isEqualTo(batch.nextOffsets());
    }

    @Test
    void embedsTheCasesWhenAnEmbedderIsGivenSoThatRecallIsHybrid() throws Exception {
        HashingEmbedder embedder = new HashingEmbedder(CaseStoreConfig.DEFAULT_VECTOR_DIMENSION);
        FeedbackStream stream = FeedbackStream.generate("actor-f", 1, 40, 0, 0, 6);
        ActorRef<IngestActor.Command> actor = testKit.spawn(IngestActor.create(writer(embedder)));
        TestProbe<BatchResult> probe = testKit.createTestProbe();

        actor.tell(new IngestActor.Ingest(batch(stream.items(), 0), probe.getRef()));
        probe.expectMessageClass(BatchResult.Done.class, ANSWER);

        String task = stream.distinctEvents().values().iterator().next().task();
        RecallAnswer answer = new Recaller(lucene, embedder, blocking, new NodeMetrics())
                .recall("actor-f-0", task, 5)
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        assertThat(answer.mode()).isEqualTo("hybrid");
        assertThat(answer.result().ranked()).isNotEmpty();
        assertThat(answer.result().ranked().get(0).reason()).contains("vector #");
    }

    @Test
    void aRespawnedActorResumesFromTheDurableIndexCommit() throws Exception {
        FeedbackStream stream = FeedbackStream.generate("actor-e", 2, 30, 0, 2, 5);
        IngestBatch batch = batch(stream.items(), 7);
        ActorRef<IngestActor.Command> actor =
                testKit.spawn(IngestActor.supervised(writer(), ResilienceConfig.defaults()));
        TestProbe<BatchResult> probe = testKit.createTestProbe();
        TestProbe<IngestActor.Status> status = testKit.createTestProbe();
        actor.tell(new IngestActor.Ingest(batch, probe.getRef()));
        probe.expectMessageClass(BatchResult.Done.class, ANSWER);
        actor.tell(new IngestActor.GetStatus(status.getRef()));
        Map<TopicPartition, Long> before = status.receiveMessage(ANSWER).durableOffsets();
        assertThat(before).isEqualTo(batch.nextOffsets());

        testKit.stop(actor);
        store.close();
        lucene = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults());
        store = new FlakyCaseStore(lucene);
        ActorRef<IngestActor.Command> respawned = testKit.spawn(IngestActor.create(writer()));

        respawned.tell(new IngestActor.GetStatus(status.getRef()));
        IngestActor.Status after = status.receiveMessage(ANSWER);
        assertThat(after.durableOffsets()).isEqualTo(before);
        assertThat(after.batchesDone()).isZero();
        assertThat(lucene.count("actor-e-0") + lucene.count("actor-e-1")).isEqualTo(30);
    }
}
