package dev.engram.node.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Episode;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.node.config.ResilienceConfig;
import dev.engram.node.ingest.BatchOutcome;
import dev.engram.node.ingest.BatchWriter;
import dev.engram.node.ingest.DeadLetterSink;
import dev.engram.node.ingest.FeedbackDecoder;
import dev.engram.node.ingest.IngestBatch;
import dev.engram.node.ingest.SourceRecord;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.internal.ResilienceRegistries;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.RetrievedCase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingest → the written-episodes listener → {@link JudgedRecallLog}, on a real Lucene store. */
class JudgedFeedbackIngestTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private final ExecutorService blocking = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        scheduler.shutdownNow();
        blocking.shutdownNow();
    }

    private static SourceRecord record(long offset, String id, String tenant, List<RetrievedCase> retrieved) {
        FeedbackEvent event = FeedbackEvent.of(
                id, tenant, "agent", T0.plusSeconds(offset), "task " + id, "plan", "ok", 0.8, retrieved);
        return new SourceRecord("feedback", 0, offset, tenant, EventCodec.encode(event));
    }

    private BatchOutcome write(BatchWriter writer, IngestBatch batch) throws Exception {
        return writer.write(batch, batch.nextOffsets()).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    void onlyNewlyWrittenEpisodesReachTheListenerAndOnlyJudgedOnesTheLog() throws Exception {
        JudgedRecallLog judged = new JudgedRecallLog(dir);
        List<List<Episode>> told = new CopyOnWriteArrayList<>();
        DeadLetterSink sink = new DeadLetterSink() {
            @Override
            public CompletionStage<Void> publish(List<DeadLetter> published) {
                letters.addAll(published);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void close() {}
        };
        ResilienceRegistries resilience =
                new ResilienceRegistries(ResilienceConfig.defaults(), new NodeMetrics().registry());
        try (LuceneCaseStore store = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults())) {
            BatchWriter writer = new BatchWriter(
                    store,
                    null,
                    new FeedbackDecoder(Clock.systemUTC()),
                    sink,
                    resilience.storeWriteRetry(),
                    scheduler,
                    blocking,
                    new NodeMetrics(),
                    episodes -> {
                        told.add(episodes);
                        judged.append(episodes);
                    });
            List<SourceRecord> first = new ArrayList<>(List.of(
                    record(0, "e1", "acme", List.of()),
                    record(1, "e2", "acme", List.of(new RetrievedCase("e1", 1, true))),
                    record(2, "e3", "beta", List.of(new RetrievedCase("x", 1, false), new RetrievedCase("y", 2, null))),
                    record(3, "e2", "acme", List.of(new RetrievedCase("e1", 1, true)))));

            BatchOutcome outcome = write(writer, new IngestBatch(first));

            assertThat(outcome.ingested()).isEqualTo(3);
            assertThat(told).hasSize(1);
            assertThat(told.get(0)).extracting(Episode::eventId).containsExactly("e1", "e2", "e3");
            assertThat(judged.snapshot("acme").fresh())
                    .extracting(Episode::eventId)
                    .containsExactly("e2");
            assertThat(judged.snapshot("beta").fresh())
                    .extracting(Episode::eventId)
                    .containsExactly("e3");

            // A replay of the same records (a crash before the offset commit) writes nothing new.
            List<SourceRecord> replay = new ArrayList<>(first);
            replay.add(record(4, "e4", "acme", List.of(new RetrievedCase("e2", 1, false))));
            write(writer, new IngestBatch(replay));

            assertThat(told).hasSize(2);
            assertThat(told.get(1)).extracting(Episode::eventId).containsExactly("e4");
            assertThat(judged.snapshot("acme").fresh())
                    .extracting(Episode::eventId)
                    .containsExactly("e2", "e4");
            assertThat(letters).isEmpty();
        }
    }
}
