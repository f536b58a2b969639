package dev.engram.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.engram.node.testing.CountingEmbedder;
import dev.engram.node.testing.HashingEmbedder;
import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.HeldOutQuery.Candidate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worker's gate metric: candidates ranked by cosine, nDCG@10 against the judged gains, texts embedded once. */
class RankingEvaluationTest {

    private static final Candidate WING = new Candidate("c-wing", "flutter of a heated wing", 1.0);
    private static final Candidate NOZZLE = new Candidate("c-nozzle", "supersonic nozzle flow", 0.0);
    private static final Candidate PLATE = new Candidate("c-plate", "boundary layer on a flat plate", 0.0);

    @Test
    void ranksCandidatesByCosineAndScoresTheJudgedGains() {
        CountingEmbedder embedder = new CountingEmbedder(new HashingEmbedder(384));
        HeldOutQuery found = new HeldOutQuery("q1", "heated wing flutter", List.of(NOZZLE, PLATE, WING));
        HeldOutQuery missed = new HeldOutQuery(
                "q2",
                "supersonic nozzle",
                List.of(
                        new Candidate("c-wing", WING.text(), 0.0),
                        new Candidate("c-nozzle-bad", NOZZLE.text(), 0.0),
                        new Candidate("c-plate", PLATE.text(), 1.0)));

        assertThat(RankingEvaluation.meanNdcg10(embedder, List.of(found))).isCloseTo(1.0, within(1e-9));
        // The useful case shares no word with the query: it is ranked below the nozzle case, so nDCG < 1.
        double second = RankingEvaluation.meanNdcg10(embedder, List.of(missed));
        assertThat(second).isLessThan(1.0).isGreaterThan(0.0);
        assertThat(RankingEvaluation.meanNdcg10(embedder, List.of(found, missed)))
                .isCloseTo((1.0 + second) / 2, within(1e-9));
        assertThat(RankingEvaluation.meanNdcg10(embedder, List.of())).isNaN();
    }

    @Test
    void sharedDocumentVectorsEmbedEachTextOnceAndTheCacheIsReadFirst() {
        CountingEmbedder embedder = new CountingEmbedder(new HashingEmbedder(384));
        List<HeldOutQuery> queries = List.of(
                new HeldOutQuery("q1", "heated wing", List.of(WING, NOZZLE)),
                new HeldOutQuery("q2", "flat plate", List.of(NOZZLE, new Candidate("c-plate", PLATE.text(), 1.0))));
        RankingEvaluation.DocumentVectors shared = new RankingEvaluation.DocumentVectors(embedder);

        double first = RankingEvaluation.meanNdcg10(embedder, shared, queries);
        double again = RankingEvaluation.meanNdcg10(embedder, shared, queries);
        assertThat(again).isEqualTo(first);
        assertThat(embedder.documentTexts)
                .as("three distinct texts, embedded once, in one call")
                .hasSize(3);
        assertThat(embedder.documentCalls.get()).isEqualTo(1);

        DocumentVectorCache cache = new DocumentVectorCache(10);
        cache.put(WING.text(), embedder.embedDocuments(List.of(WING.text())).get(0));
        embedder.documentTexts.clear();
        RankingEvaluation.meanNdcg10(embedder, new RankingEvaluation.DocumentVectors(embedder, cache), queries);
        assertThat(embedder.documentTexts).containsExactlyInAnyOrder(NOZZLE.text(), PLATE.text());
    }

    @Test
    void theCacheDropsTheLeastRecentlyUsed() {
        DocumentVectorCache cache = new DocumentVectorCache(2);
        cache.put("a", new float[] {1});
        cache.put("b", new float[] {2});
        assertThat(cache.get("a")).containsExactly(1f); // a is now the most recent
        cache.put("c", new float[] {3});
        assertThat(cache.get("b")).isNull();
        assertThat(cache.get("a")).isNotNull();
        assertThat(cache.size()).isEqualTo(2);
    }
}
