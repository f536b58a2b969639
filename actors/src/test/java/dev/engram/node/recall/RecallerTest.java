package dev.engram.node.recall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Episode;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.memory.ScoredCase;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.testing.CountingEmbedder;
import dev.engram.node.testing.HashingEmbedder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recall modes on a real Lucene store: what each one ranks by, and the errors of a BM25-only node. */
class RecallerTest {

    private static final String TENANT = "modes";
    private static final Executor DIRECT = Runnable::run;

    @TempDir
    Path dir;

    private LuceneCaseStore store;
    private final CountingEmbedder embedder = new CountingEmbedder(new HashingEmbedder(384));

    @BeforeEach
    void threeCases() {
        store = LuceneCaseStore.open(dir, CaseStoreConfig.defaults());
        Instant t0 = Instant.parse("2026-02-01T10:00:00Z");
        for (String[] c : new String[][] {{"wing", "flutter of a heated wing"}, {"nozzle", "supersonic nozzle flow"},
                {"plate", "boundary layer on a flat plate"}}) {
            Episode e = new Episode(c[0], TENANT, "agent", t0, c[1], "", "", 1.0, List.of());
            store.ingest(e, embedder.embedDocuments(List.of(c[1])).get(0));
        }
        store.commit();
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    private RecallAnswer recall(Recaller recaller, String task, RecallMode mode) {
        return recaller.recall(TENANT, task, 3, mode).toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static List<String> ids(RecallAnswer answer) {
        return answer.result().ranked().stream().map(ScoredCase::match).map(m -> m.caseId()).toList();
    }

    @Test
    void denseRanksByVectorAloneBm25NeverEmbedsAndHybridIsTheDefault() {
        Recaller recaller = new Recaller(store, embedder, DIRECT, new NodeMetrics());
        // No term of this task is in any case: BM25 finds nothing, the vector search still ranks all three.
        RecallAnswer bm25 = recall(recaller, "zzz qqq", RecallMode.BM25);
        assertThat(ids(bm25)).isEmpty();
        assertThat(bm25.mode()).isEqualTo("bm25");
        assertThat(embedder.queries.get()).as("bm25 does not embed the query").isZero();

        RecallAnswer dense = recall(recaller, "zzz qqq", RecallMode.DENSE);
        assertThat(dense.mode()).isEqualTo("dense");
        assertThat(ids(dense)).hasSize(3);
        assertThat(embedder.queries.get()).isEqualTo(1);

        // With shared words, dense puts the case of the same words first.
        assertThat(ids(recall(recaller, "supersonic nozzle", RecallMode.DENSE)).get(0)).isEqualTo("nozzle");

        RecallAnswer byDefault = recall(recaller, "heated wing", null);
        assertThat(byDefault.mode()).isEqualTo("hybrid");
        assertThat(ids(byDefault).get(0)).isEqualTo("wing");
    }

    @Test
    void aBm25OnlyNodeRefusesTheVectorModesAndSaysWhy() {
        Recaller recaller = new Recaller(store, null, DIRECT, new NodeMetrics());
        assertThat(recall(recaller, "heated wing", null).mode()).isEqualTo("bm25");
        assertThatThrownBy(() -> recall(recaller, "heated wing", RecallMode.DENSE))
                .isInstanceOf(CompletionException.class).cause()
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a node with an embedder");
        assertThatThrownBy(() -> RecallMode.parse("fuzzy")).hasMessageContaining("hybrid, bm25, dense");
    }
}
