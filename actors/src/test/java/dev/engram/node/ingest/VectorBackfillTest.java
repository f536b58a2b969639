package dev.engram.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.RecallResult;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.CountingEmbedder;
import dev.engram.node.testing.HashingEmbedder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vectors arrive after ingest, off the write path, and none is lost to a restart or a full queue. */
class VectorBackfillTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final int DIM = CaseStoreConfig.DEFAULT_VECTOR_DIMENSION;

    @TempDir
    Path dir;

    private static List<Episode> episodes(String tenant, int n) {
        List<Episode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Episode(
                    "e" + i,
                    tenant,
                    "agent",
                    Instant.EPOCH,
                    "task number " + i + " about wing " + (i % 7) + " flutter",
                    "",
                    "",
                    0.9,
                    List.of()));
        }
        return out;
    }

    private static void ingestWithoutVectors(LuceneCaseStore store, List<Episode> episodes) {
        for (Episode e : episodes) {
            assertThat(store.ingest(e, null)).isTrue();
        }
    }

    @Test
    void casesAreSearchableByBm25AtOnceAndGainTheirVectorsAfterIngest() throws Exception {
        HashingEmbedder embedder = new HashingEmbedder(DIM);
        try (LuceneCaseStore store = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults());
                VectorBackfill vectors = VectorBackfill.start(store, embedder, 8, 100)) {
            List<Episode> episodes = episodes("acme", 30);
            ingestWithoutVectors(store, episodes);
            assertThat(store.recall(RecallQuery.bm25("acme", "task number 17", 1))
                            .ranked()
                            .get(0)
                            .match()
                            .caseId())
                    .isEqualTo("e17");

            vectors.submit(episodes);
            Await.until("every case has its vector", BOUND, () -> store.countWithVector("acme") == 30);

            assertThat(store.casesWithoutVector("acme", 100)).isEmpty();
            String task = episodes.get(12).task();
            RecallResult dense = store.recall(RecallQuery.dense("acme", task, embedder.embedQuery(task), 1));
            assertThat(dense.ranked().get(0).match().caseId()).isEqualTo("e12");
            assertThat(dense.ranked().get(0).reason()).contains("vector #1 (cos 1.00)");
        }
    }

    @Test
    void aRestartEmbedsTheCasesThatWereDurableWithoutTheirVectors() throws Exception {
        Path cases = dir.resolve("cases");
        try (LuceneCaseStore store = LuceneCaseStore.open(cases, CaseStoreConfig.defaults())) {
            ingestWithoutVectors(store, episodes("acme", 12));
            ingestWithoutVectors(store, episodes("globex", 5));
            store.commit(); // offsets covered them; their vectors were never written (a crash)
        }
        try (LuceneCaseStore store = LuceneCaseStore.open(cases, CaseStoreConfig.defaults());
                VectorBackfill vectors = VectorBackfill.start(store, new HashingEmbedder(DIM), 4, 16)) {
            Await.until(
                    "the start's scan gave every tenant's cases their vectors",
                    BOUND,
                    () -> store.countWithVector("acme") == 12 && store.countWithVector("globex") == 5);
            assertThat(vectors.embedded()).isEqualTo(17);
        }
    }

    @Test
    void aCaseBothScannedAndHandedOverIsEmbeddedOnce() throws Exception {
        CountingEmbedder counting = new CountingEmbedder(new HashingEmbedder(DIM));
        try (LuceneCaseStore store = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults())) {
            List<Episode> episodes = episodes("acme", 30);
            ingestWithoutVectors(store, episodes);
            VectorBackfill vectors = VectorBackfill.start(store, counting, 4, 100); // its start scan finds all 30
            try (vectors) {
                vectors.submit(episodes); // and the same 30 are handed over, as new durable cases
                Await.until(
                        "every case has its vector and the queue is drained",
                        BOUND,
                        () -> store.countWithVector("acme") == 30 && vectors.queued() == 0);
            }
            assertThat(counting.documentTexts).hasSize(30).doesNotHaveDuplicates();
            assertThat(vectors.embedded()).isEqualTo(30);
        }
    }

    @Test
    void casesThatDoNotFitTheQueueAreFoundByAScan() throws Exception {
        try (LuceneCaseStore store = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults());
                VectorBackfill vectors = VectorBackfill.start(store, new HashingEmbedder(DIM), 2, 4)) {
            List<Episode> episodes = episodes("acme", 40);
            ingestWithoutVectors(store, episodes);
            vectors.submit(episodes); // 4 fit, 36 are left to the scan
            Await.until("every case has its vector", BOUND, () -> store.countWithVector("acme") == 40);
        }
    }

    @Test
    void aCaseThatCannotBeEmbeddedStaysBm25OnlyAndTheOthersGetTheirVectors() throws Exception {
        HashingEmbedder hashing = new HashingEmbedder(DIM);
        Embedder failingOnOne = new Embedder() {
            @Override
            public String modelId() {
                return "failing-on-e3";
            }

            @Override
            public int dimension() {
                return DIM;
            }

            @Override
            public float[] embedQuery(String text) {
                return hashing.embedQuery(text);
            }

            @Override
            public List<float[]> embedDocuments(List<String> texts) {
                if (texts.stream().anyMatch(t -> t.startsWith("task number 3 "))) {
                    throw new IllegalStateException("cannot embed " + texts.size() + " texts");
                }
                return hashing.embedDocuments(texts);
            }
        };
        try (LuceneCaseStore store = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults());
                VectorBackfill vectors = VectorBackfill.start(store, failingOnOne, 4, 100)) {
            List<Episode> episodes = episodes("acme", 10);
            ingestWithoutVectors(store, episodes);
            vectors.submit(episodes);
            Await.until(
                    "the others have their vectors",
                    BOUND,
                    () -> store.countWithVector("acme") == 9 && vectors.failed() >= 1);
            assertThat(store.casesWithoutVector("acme", 10))
                    .extracting(c -> c.caseId())
                    .containsExactly("e3");
        }
    }
}
