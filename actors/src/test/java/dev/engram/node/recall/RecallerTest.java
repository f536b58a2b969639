package dev.engram.node.recall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Episode;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallMode;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.ReciprocalRankFusion;
import dev.engram.memory.ScoredCase;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.testing.CountingEmbedder;
import dev.engram.node.testing.HashingEmbedder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
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
        for (String[] c : new String[][] {
            {"wing", "flutter of a heated wing"},
            {"nozzle", "supersonic nozzle flow"},
            {"plate", "boundary layer on a flat plate"}
        }) {
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
        return recaller.recall(TENANT, task, 3, mode)
                .toCompletableFuture()
                .orTimeout(30, TimeUnit.SECONDS)
                .join();
    }

    private static List<String> ids(RecallAnswer answer) {
        return answer.result().ranked().stream()
                .map(ScoredCase::match)
                .map(m -> m.caseId())
                .toList();
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
        assertThat(ids(recall(recaller, "supersonic nozzle", RecallMode.DENSE)).get(0))
                .isEqualTo("nozzle");

        RecallAnswer byDefault = recall(recaller, "heated wing", null);
        assertThat(byDefault.mode()).isEqualTo("hybrid");
        assertThat(ids(byDefault).get(0)).isEqualTo("wing");
    }

    @Test
    void aBm25OnlyNodeRefusesTheVectorModesAndSaysWhy() {
        Recaller recaller = new Recaller(store, null, DIRECT, new NodeMetrics());
        assertThat(recall(recaller, "heated wing", null).mode()).isEqualTo("bm25");
        assertThatThrownBy(() -> recall(recaller, "heated wing", RecallMode.DENSE))
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a node with an embedder");
        assertThatThrownBy(() -> RecallMode.parse("fuzzy")).hasMessageContaining("hybrid, bm25, dense");
    }

    /** Puts reciprocal-rank fusion's order upside down, so that a test can see which ranker ran. */
    private static final class UpsideDown implements Ranker {
        @Override
        public String name() {
            return "upside-down";
        }

        @Override
        public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
            List<RankedCandidate> fused = new ArrayList<>(new ReciprocalRankFusion().rank(query, candidates));
            Collections.reverse(fused);
            List<RankedCandidate> out = new ArrayList<>();
            for (int i = 0; i < fused.size(); i++) {
                out.add(new RankedCandidate(fused.get(i).candidate(), fused.size() - i, "upside-down " + (i + 1)));
            }
            return out;
        }
    }

    @Test
    void eachTenantsRankerOrdersItsRecallsAndTheDefaultIsTheStoresFusion() {
        String task = "supersonic flow over a heated plate"; // a word of each case: every mode finds all three
        List<String> asked = new CopyOnWriteArrayList<>();
        Recaller tuned = new Recaller(store, embedder, DIRECT, new NodeMetrics(), null, (tenant, serving) -> {
            asked.add(tenant);
            return tenant.equals(TENANT) ? new UpsideDown() : new ReciprocalRankFusion();
        });
        Recaller untuned = new Recaller(store, embedder, DIRECT, new NodeMetrics());
        for (RecallMode mode : RecallMode.values()) {
            RecallAnswer fused = recall(untuned, task, mode);
            RecallAnswer upsideDown = recall(tuned, task, mode);
            List<String> reversed = new ArrayList<>(ids(fused));
            Collections.reverse(reversed);
            assertThat(ids(fused)).as(mode.wireName()).hasSize(3).isNotEqualTo(reversed);
            assertThat(ids(upsideDown)).as(mode.wireName()).isEqualTo(reversed);
            assertThat(upsideDown.result().ranked().get(0).reason()).contains(" → upside-down 1; reward ");
            assertThat(fused.result().ranked().get(0).reason()).contains(" → rrf 0.0");
            assertThat(fused.result())
                    .as("the default is the store's own recall")
                    .isEqualTo(store.recall(RecallQuery.of(
                            mode, TENANT, task, mode.usesVector() ? embedder.embedQuery(task) : null, 3)));
        }
        assertThat(asked).containsOnly(TENANT).hasSize(3);

        Recaller broken = new Recaller(store, embedder, DIRECT, new NodeMetrics(), null, (tenant, serving) -> null);
        assertThatThrownBy(() -> recall(broken, "heated wing", null))
                .isInstanceOf(CompletionException.class)
                .cause()
                .hasMessageContaining("no ranker for tenant modes");
    }
}
