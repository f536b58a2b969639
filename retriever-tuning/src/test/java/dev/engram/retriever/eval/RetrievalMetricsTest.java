package dev.engram.retriever.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrievalMetricsTest {

    private static final double EPS = 1e-9;
    private static final double LOG2_3 = Math.log(3) / Math.log(2); // 1.584962500721156
    private static final double LOG2_5 = Math.log(5) / Math.log(2); // 2.321928094887362

    // Query with three relevant documents of gains 3, 2, 1 and one judged non-relevant (gain 0).
    private static final Map<String, Integer> GAINS = Map.of("a", 3, "b", 2, "c", 1, "z", 0);

    @Test
    void ndcgOfAPerfectRankingIsOne() {
        assertThat(RetrievalMetrics.ndcgAtK(List.of("a", "b", "c", "x"), GAINS, 10))
                .isCloseTo(1.0, within(EPS));
    }

    @Test
    void ndcgMatchesHandComputedValue() {
        // ranking: x, b, z, a   (c missing)
        // DCG@10  = 0/log2(2) + 2/log2(3) + 0/log2(4) + 3/log2(5)
        //         = 0 + 2/1.5849625 + 0 + 3/2.3219281 = 1.2618595 + 1.2920297 = 2.5538892
        // IDCG@10 = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.2618595 + 0.5 = 4.7618595
        // nDCG@10 = 2.5538892 / 4.7618595 = 0.5363216
        double dcg = 2 / LOG2_3 + 3 / LOG2_5;
        double idcg = 3 + 2 / LOG2_3 + 0.5;
        double ndcg = RetrievalMetrics.ndcgAtK(List.of("x", "b", "z", "a"), GAINS, 10);
        assertThat(ndcg).isCloseTo(dcg / idcg, within(EPS)).isCloseTo(0.5363216, within(1e-6));
    }

    @Test
    void ndcgCutsBothRankingAndIdealAtK() {
        // k = 2, ranking: b, a
        // DCG@2  = 2/1 + 3/log2(3) = 2 + 1.8927893 = 3.8927893
        // IDCG@2 = 3/1 + 2/log2(3) = 3 + 1.2618595 = 4.2618595   (gain 1 of c is beyond k)
        // nDCG@2 = 3.8927893 / 4.2618595 = 0.9134016
        assertThat(RetrievalMetrics.ndcgAtK(List.of("b", "a", "c"), GAINS, 2))
                .isCloseTo((2 + 3 / LOG2_3) / (3 + 2 / LOG2_3), within(EPS))
                .isCloseTo(0.9134016, within(1e-6));
        // k = 1, ranking: c first → 1 / 3
        assertThat(RetrievalMetrics.ndcgAtK(List.of("c", "a"), GAINS, 1)).isCloseTo(1.0 / 3, within(EPS));
    }

    @Test
    void ndcgUsesGradedGainsNotBinary() {
        // Swapping the gain-3 and gain-1 documents must lower nDCG: with binary gains it would not.
        double best = RetrievalMetrics.ndcgAtK(List.of("a", "b", "c"), GAINS, 3);
        double worst = RetrievalMetrics.ndcgAtK(List.of("c", "b", "a"), GAINS, 3);
        // worst: DCG = 1 + 2/log2 3 + 3/2 = 3.7618595; IDCG = 4.7618595; nDCG = 0.7899968
        assertThat(best).isCloseTo(1.0, within(EPS));
        assertThat(worst).isCloseTo(3.7618595 / 4.7618595, within(1e-6));
    }

    @Test
    void recallCountsRelevantInTopKOverAllRelevant() {
        // relevant = {a, b, c} (z has gain 0); top 3 of x, b, z, a = {x, b, z} → 1 of 3
        assertThat(RetrievalMetrics.recallAtK(List.of("x", "b", "z", "a"), GAINS, 3))
                .isCloseTo(1.0 / 3, within(EPS));
        // top 10 → {b, a} → 2 of 3
        assertThat(RetrievalMetrics.recallAtK(List.of("x", "b", "z", "a"), GAINS, 10))
                .isCloseTo(2.0 / 3, within(EPS));
        // not capped at k: k = 1 with 3 relevant can reach at most 1/3
        assertThat(RetrievalMetrics.recallAtK(List.of("a"), GAINS, 1)).isCloseTo(1.0 / 3, within(EPS));
    }

    @Test
    void reciprocalRankIsOneOverFirstRelevantRankWithinK() {
        // first relevant is b at rank 2 → 1/2
        assertThat(RetrievalMetrics.reciprocalRankAtK(List.of("x", "b", "a"), GAINS, 10))
                .isCloseTo(0.5, within(EPS));
        // z is judged but has gain 0: not relevant; first relevant is c at rank 4 → 1/4
        assertThat(RetrievalMetrics.reciprocalRankAtK(List.of("z", "x", "y", "c"), GAINS, 10))
                .isCloseTo(0.25, within(EPS));
        // beyond k → 0
        assertThat(RetrievalMetrics.reciprocalRankAtK(List.of("z", "x", "y", "c"), GAINS, 3))
                .isZero();
    }

    @Test
    void aRepeatedIdEarnsNothingButTakesItsRank() {
        // ranking a, a, b: the second a earns 0 at rank 2; b sits at rank 3
        // DCG = 3 + 0 + 2/log2(4) = 4; IDCG@10 = 4.7618595
        assertThat(RetrievalMetrics.ndcgAtK(List.of("a", "a", "b"), GAINS, 10))
                .isCloseTo(4 / (3 + 2 / LOG2_3 + 0.5), within(EPS));
        // recall@2 = {a} of 3 = 1/3, not 2/3
        assertThat(RetrievalMetrics.recallAtK(List.of("a", "a", "b"), GAINS, 2)).isCloseTo(1.0 / 3, within(EPS));
    }

    @Test
    void emptyRankingsAndQueriesWithoutRelevantDocumentsScoreZero() {
        assertThat(RetrievalMetrics.ndcgAtK(List.of(), GAINS, 10)).isZero();
        assertThat(RetrievalMetrics.recallAtK(List.of(), GAINS, 10)).isZero();
        assertThat(RetrievalMetrics.ndcgAtK(List.of("z"), Map.of("z", 0), 10)).isZero();
        assertThat(RetrievalMetrics.recallAtK(List.of("z"), Map.of(), 10)).isZero();
        assertThat(RetrievalMetrics.reciprocalRankAtK(List.of("z"), Map.of(), 10))
                .isZero();
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> RetrievalMetrics.ndcgAtK(List.of("a"), GAINS, 0))
                .hasMessageContaining("k must be >= 1");
        assertThatThrownBy(() -> RetrievalMetrics.recallAtK(null, GAINS, 10)).hasMessageContaining("ranking");
        assertThatThrownBy(() -> RetrievalMetrics.reciprocalRankAtK(List.of(), null, 10))
                .hasMessageContaining("gains");
    }

    @Test
    void queryEvaluationAndReportAverageThePerQueryMetrics() {
        Qrels qrels = new Qrels(Map.of("q1", GAINS, "q2", Map.of("d", 1), "q3", Map.of("e", 0)));
        List<Query> queries = List.of(new Query("q1", "one"), new Query("q2", "two"), new Query("q3", "three"));
        List<String> q2Ranking = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            q2Ranking.add("n" + i);
        }
        q2Ranking.add("d"); // rank 51: inside the top 100, outside the top 10
        EvaluationReport report = EvaluationReport.evaluate(
                "toy", queries, qrels, q -> q.id().equals("q1") ? List.of("x", "b", "z", "a") : q2Ranking);
        // q3 has no relevant document: skipped
        assertThat(report.queryCount()).isEqualTo(2);
        // q1: nDCG@10 0.5363216 (above), recall@10 2/3, recall@100 2/3, RR 1/2
        // q2: nDCG@10 0, recall@10 0, recall@100 1, RR 0
        assertThat(report.meanNdcgAt10()).isCloseTo(0.5363216 / 2, within(1e-6));
        assertThat(report.meanRecallAt10()).isCloseTo(1.0 / 3, within(EPS));
        assertThat(report.meanRecallAt100()).isCloseTo((2.0 / 3 + 1) / 2, within(EPS));
        assertThat(report.meanMrrAt10()).isCloseTo(0.25, within(EPS));
        assertThat(report.tableRow()).startsWith("toy").contains(" 2 ", "0.2682", "0.3333", "0.8333", "0.2500");
        assertThat(EvaluationReport.header()).contains("nDCG@10", "R@10", "R@100", "MRR@10");
        assertThat(EvaluationReport.header().length())
                .isEqualTo(report.tableRow().length());
    }

    @Test
    void anEmptyReportHasZeroMeans() {
        EvaluationReport report = new EvaluationReport("none", List.of());
        assertThat(report.meanNdcgAt10()).isZero();
        assertThat(report.queryCount()).isZero();
    }
}
