package dev.engram.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStore;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.node.config.ResilienceConfig;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.GroupOffsets;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.StreamAssertions;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.TopicSpec;
import dev.engram.streams.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Index commits that span batches ({@link IndexCommitPolicy}), on the shared broker and a real
 * Lucene store on disk: cases are searchable before the commit that makes them durable, the commit
 * comes by itself once the interval has passed, a store that loses what was not committed is
 * replayed from the last commit's offsets with nothing lost or doubled, and a revoked partition is
 * committed (index, then Kafka) before it is handed away.
 */
class IndexCommitPolicyTest {

    private static final Duration BOUND = Duration.ofMinutes(2);
    /** Commits only when asked, when revoked or stopping: no interval or size commit within a test. */
    private static final IndexCommitPolicy ONLY_WHEN_ASKED =
            new IndexCommitPolicy(IndexCommitPolicy.MAX_INTERVAL, IndexCommitPolicy.MAX_MAX_EVENTS);

    private static ActorTestKit testKit;

    @TempDir
    Path dir;

    private final String topic = TestIds.unique("commits");
    private final String group = TestIds.unique("commits");
    private ExecutorService blocking;
    private ScheduledExecutorService scheduler;
    private CaseStore store;

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
        TopicAdmin.ensureTopics(
                SharedKafka.bootstrapServers(),
                List.of(new TopicSpec(
                        topic,
                        4,
                        TopicSpec.BROKER_DEFAULT_REPLICATION,
                        Topics.spec(Topics.FEEDBACK).configs())));
        blocking = Executors.newFixedThreadPool(2);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        store = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults());
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
        scheduler.shutdownNow();
        blocking.shutdownNow();
    }

    @Test
    void casesAreSearchableBeforeTheCommitThatMakesThemDurable() throws Exception {
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("nrt"), 4, 300, 30, 10, 21);
        try (IngestPipeline pipeline = pipeline(store, ONLY_WHEN_ASKED);
                GroupOffsets offsets = new GroupOffsets(SharedKafka.bootstrapServers(), group)) {
            Map<TopicPartition, Long> end = send(stream, stream.items());

            awaitSearchable(store, stream);
            // Searchable, yet no index commit holds them, so no offset went to Kafka either.
            assertThat(OffsetCommitData.read(store.committedData())).isEmpty();
            assertThat(offsets.committed()).isEmpty();
            IngestActor.Status status = pipeline.status();
            assertThat(status.writtenOffsets()).isEqualTo(end);
            assertThat(status.durableOffsets()).isEmpty();
            assertThat(status.uncommittedRecords()).isEqualTo(stream.items().size());
            String someCase =
                    stream.idsOf(stream.tenants().iterator().next()).iterator().next();
            assertThat(store.get(stream.tenants().iterator().next(), someCase)).isPresent();

            Map<TopicPartition, Long> durable =
                    pipeline.commitIndex().toCompletableFuture().get(60, TimeUnit.SECONDS);

            assertThat(durable).isEqualTo(end);
            assertThat(OffsetCommitData.read(store.committedData())).isEqualTo(end);
            Await.until(
                    "the consumer to commit to Kafka what the index commit holds",
                    BOUND,
                    () -> offsets.reached(end),
                    () -> "committed " + offsets.committed() + ", end " + end);
            assertThat(pipeline.status().uncommittedRecords()).isZero();
        }
    }

    @Test
    void theIntervalCommitsWrittenBatchesWithoutBeingAsked() throws Exception {
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("interval"), 4, 200, 0, 0, 22);
        IndexCommitPolicy quarterSecond = new IndexCommitPolicy(Duration.ofMillis(250), 1_000_000);
        try (IngestPipeline pipeline = pipeline(store, quarterSecond);
                GroupOffsets offsets = new GroupOffsets(SharedKafka.bootstrapServers(), group)) {
            Map<TopicPartition, Long> end = send(stream, stream.items());

            Await.until(
                    "an interval's index commit to hold every record, and Kafka to have its offsets",
                    BOUND,
                    () -> OffsetCommitData.read(store.committedData()).equals(end) && offsets.reached(end),
                    () -> "index " + OffsetCommitData.read(store.committedData()) + ", Kafka " + offsets.committed());
            // The pipeline's batches are at most 50 records: the commits spanned several of them.
            assertThat(pipeline.status().batchesDone()).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void aStoreThatLostItsUncommittedWritesIsReplayedFromItsLastCommitExactlyOnce(@TempDir Path referenceDir)
            throws Exception {
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("replay"), 4, 400, 60, 0, 23);
        List<FeedbackStream.Item> items = stream.items();
        List<FeedbackStream.Item> first = items.subList(0, items.size() / 2);
        List<FeedbackStream.Item> second = items.subList(items.size() / 2, items.size());
        Path crashed = dir.resolve("crashed");
        Map<TopicPartition, Long> firstEnd;
        Map<TopicPartition, Long> end;
        try (IngestPipeline pipeline = pipeline(store, ONLY_WHEN_ASKED)) {
            firstEnd = send(stream, first);
            Await.until("the first half written", BOUND, () -> written(pipeline).equals(firstEnd));
            assertThat(pipeline.commitIndex().toCompletableFuture().get(60, TimeUnit.SECONDS))
                    .isEqualTo(firstEnd);
            end = new HashMap<>(firstEnd);
            end.putAll(send(stream, second));
            awaitSearchable(store, stream);
            assertThat(OffsetCommitData.read(store.committedData())).isEqualTo(firstEnd);

            // What a crash leaves on disk now: the last commit; the second half is written but not in it.
            copyIndex(dir.resolve("cases"), crashed);
        }

        try (CaseStore restarted = LuceneCaseStore.open(crashed, CaseStoreConfig.defaults())) {
            assertThat(OffsetCommitData.read(restarted.committedData())).isEqualTo(firstEnd);
            long held = stream.tenants().stream().mapToLong(restarted::count).sum();
            long all = stream.distinctEvents().size();
            assertThat(held).as("cases the crash kept").isPositive().isLessThan(all);

            try (IngestPipeline pipeline = pipeline(restarted, ONLY_WHEN_ASKED)) {
                // It resumes from the last commit's offsets and writes the rest again.
                Map<TopicPartition, Long> target = end;
                Await.until(
                        "the restarted pipeline to write to the end",
                        BOUND,
                        () -> written(pipeline).equals(target),
                        () -> "written " + written(pipeline) + " of " + target);
                IngestActor.Status status = pipeline.status();
                assertThat(status.uncommittedRecords())
                        .as("records replayed: those after the last commit, no more")
                        .isEqualTo(second.size());
            }
            try (CaseStore reference = stream.referenceStore(referenceDir)) {
                StreamAssertions.assertExactlyOnce(restarted, reference, stream);
            }
            assertThat(OffsetCommitData.read(restarted.committedData()))
                    .as("the stopping pipeline committed what it wrote")
                    .isEqualTo(end);
        }
    }

    @Test
    void kafkaCatchesUpWithAnIndexCommitAheadOfItWithoutNewRecords() throws Exception {
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("catch-up"), 4, 120, 0, 0, 25);
        Map<TopicPartition, Long> end;
        try (IngestPipeline pipeline = pipeline(store, ONLY_WHEN_ASKED)) {
            end = send(stream, stream.items());
            awaitSearchable(store, stream);
            assertThat(pipeline.commitIndex().toCompletableFuture().get(60, TimeUnit.SECONDS))
                    .isEqualTo(end);
        }
        // As after a crash between the index commit and the Kafka commit: the index holds every record,
        // the group (here a new one) holds nothing, and no record is left to read.
        String newGroup = TestIds.unique("catch-up");
        try (IngestPipeline pipeline = new IngestPipeline(
                        testKit,
                        store,
                        topic,
                        newGroup,
                        ResilienceConfig.defaults(),
                        ONLY_WHEN_ASKED,
                        blocking,
                        scheduler);
                GroupOffsets offsets = new GroupOffsets(SharedKafka.bootstrapServers(), newGroup)) {
            Await.until(
                    "the group's offsets to reach the index commit's",
                    BOUND,
                    () -> offsets.reached(end),
                    () -> "committed " + offsets.committed() + ", index " + end);
            assertThat(pipeline.status().batchesDone()).isZero();
        }
    }

    @Test
    void aRevokedPartitionIsCommittedBeforeItIsHandedAway() throws Exception {
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("revoke"), 4, 200, 0, 0, 24);
        try (IngestPipeline pipeline = pipeline(store, ONLY_WHEN_ASKED);
                GroupOffsets offsets = new GroupOffsets(SharedKafka.bootstrapServers(), group)) {
            Map<TopicPartition, Long> end = send(stream, stream.items());
            awaitSearchable(store, stream);
            assertThat(OffsetCommitData.read(store.committedData())).isEmpty();

            // A second member joins the group: the rebalance revokes partitions from the pipeline's consumer.
            try (KafkaConsumer<String, byte[]> other =
                    KafkaClientFactory.consumer(SharedKafka.bootstrapServers(), group, Map.of())) {
                other.subscribe(List.of(topic));
                long deadline = System.nanoTime() + BOUND.toNanos();
                while (other.assignment().isEmpty()) {
                    assertThat(System.nanoTime())
                            .as("the second member to get partitions")
                            .isLessThan(deadline);
                    other.poll(Duration.ofMillis(100));
                }
                Set<TopicPartition> moved = other.assignment();
                Map<TopicPartition, Long> indexed = OffsetCommitData.read(store.committedData());
                Map<TopicPartition, Long> committed = offsets.committed();
                for (TopicPartition tp : moved) {
                    assertThat(indexed.get(tp))
                            .as("index commit of revoked %s", tp)
                            .isEqualTo(end.get(tp));
                    assertThat(committed.get(tp))
                            .as("Kafka offset of revoked %s", tp)
                            .isEqualTo(end.get(tp));
                    assertThat(other.position(tp, Duration.ofSeconds(30)))
                            .as("where the new owner of %s resumes", tp)
                            .isEqualTo(end.get(tp));
                }
            }
        }
    }

    private IngestPipeline pipeline(CaseStore into, IndexCommitPolicy commits) throws Exception {
        return new IngestPipeline(
                testKit, into, topic, group, ResilienceConfig.defaults(), commits, blocking, scheduler);
    }

    private static Map<TopicPartition, Long> written(IngestPipeline pipeline) {
        try {
            return pipeline.status().writtenOffsets();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitSearchable(CaseStore store, FeedbackStream stream) {
        Await.until(
                "every case searchable",
                BOUND,
                () -> stream.tenants().stream()
                        .allMatch(t -> store.count(t) == stream.idsOf(t).size()),
                () -> StreamAssertions.counts(store, stream.tenants()));
    }

    /**
     * Sends items to the partition of their tenant (tenant i on partition i, records without one on
     * partition 0); returns the end offsets.
     */
    private Map<TopicPartition, Long> send(FeedbackStream stream, List<FeedbackStream.Item> items) throws Exception {
        List<String> tenants = List.copyOf(stream.tenants());
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (FeedbackStream.Item item : items) {
                int partition = item.key() == null ? 0 : Math.max(0, tenants.indexOf(item.key()));
                acks.add(producer.send(new ProducerRecord<>(topic, partition, item.key(), item.value())));
            }
            producer.flush();
            Map<TopicPartition, Long> end = new HashMap<>();
            for (Future<RecordMetadata> ack : acks) {
                RecordMetadata m = ack.get(60, TimeUnit.SECONDS);
                end.merge(new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max);
            }
            return end;
        }
    }

    /**
     * A copy of a live index as a crash would leave it: the files of its last commit (never deleted
     * before the next commit), besides flushed but uncommitted ones that opening it discards.
     */
    private static void copyIndex(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                if (file.getFileName().toString().equals("write.lock")) {
                    continue;
                }
                try {
                    Files.copy(file, to.resolve(file.getFileName()));
                } catch (NoSuchFileException e) {
                    // merged away meanwhile: not part of the last commit
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
