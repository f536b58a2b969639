package dev.engram.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs {@link LuceneCaseStore} through the ranking contract, and checks fusion against recorded results. */
class LuceneRecallRankingTest extends RecallRankingContractTest {

    @Override
    protected CaseStore openStore(Path dir, CaseStoreConfig config) {
        return LuceneCaseStore.open(dir, config);
    }

    /**
     * Every recalled case (id, rank, polarity, exact score, reason) of 72 recalls on a 460-case store
     * is what the store returned before fusion became a {@link Ranker}: BM25-only, dense and hybrid.
     */
    @Test
    void reciprocalRankFusionGivesExactlyTheRecordedResults() throws Exception {
        String expected;
        try (InputStream in = getClass().getResourceAsStream("rrf-golden.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder actual = new StringBuilder();
        try (CaseStore golden = LuceneCaseStore.open(
                tmp.resolve("golden"), CaseStoreConfig.defaults().withVectorDimension(RrfGoldenFixture.DIMENSION))) {
            RrfGoldenFixture.ingest(golden);
            List<String> texts = RrfGoldenFixture.texts();
            for (int i = 0; i < texts.size(); i++) {
                String t = texts.get(i);
                float[] v = RrfGoldenFixture.vector(i);
                for (int k : new int[] {10, 60}) {
                    actual.append(RrfGoldenFixture.render(
                            "bm25 " + i + " k" + k, golden.recall(RecallQuery.bm25("acme", t, k))));
                    actual.append(RrfGoldenFixture.render(
                            "hybrid " + i + " k" + k, golden.recall(RecallQuery.hybrid("acme", t, v, k))));
                    actual.append(RrfGoldenFixture.render(
                            "dense " + i + " k" + k,
                            golden.recall(RecallQuery.dense("acme", t, v, k), new ReciprocalRankFusion(60))));
                }
            }
        }
        assertThat(actual.toString().lines())
                .hasSize(2520)
                .containsExactlyElementsOf(expected.lines().toList());
    }

    @Test
    void theStoresDefaultRankerUsesTheConfiguredK() throws Exception {
        try (CaseStore k10 = LuceneCaseStore.open(
                tmp.resolve("k10"),
                CaseStoreConfig.defaults().withVectorDimension(4).withRrfK(10))) {
            k10.ingest(episode("a", "alpha"), X);
            assertThat(k10.defaultRanker()).isEqualTo(new ReciprocalRankFusion(10));
            ScoredCase top = k10.recall(RecallQuery.hybrid("acme", "alpha", X, 1))
                    .ranked()
                    .get(0);
            assertThat(top.score()).isEqualTo(2.0 / 11);
            assertThat(top.reason()).contains("→ rrf 0.1818;");
        }
    }
}
