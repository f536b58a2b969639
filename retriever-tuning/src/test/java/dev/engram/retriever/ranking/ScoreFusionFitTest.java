package dev.engram.retriever.ranking;

import static dev.engram.retriever.ranking.RankingFixtures.candidate;
import static dev.engram.retriever.ranking.RankingFixtures.query;
import static dev.engram.retriever.ranking.RankingFixtures.vec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.engram.memory.Candidate;
import dev.engram.memory.CandidateLists;
import dev.engram.memory.RecallQuery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ScoreFusionFitTest {

    private static final int QUERIES = 40;
    private static final int CANDIDATES = 30;

    /**
     * Queries whose judgements follow {@code planted · bm25 + (1 − planted) · cos} (both scaled over
     * the list): the top five by that score get gains 5 … 1. BM25 scores and cosines are drawn
     * independently, so only a weight near the planted one reproduces the judged order.
     */
    private static List<JudgedQuery> judgedFollowing(double planted, long seed) {
        Random random = new Random(seed);
        RecallQuery q = query(vec(1, 0));
        List<JudgedQuery> out = new ArrayList<>();
        for (int j = 0; j < QUERIES; j++) {
            double[] bm25 = new double[CANDIDATES];
            double[] cos = new double[CANDIDATES];
            for (int i = 0; i < CANDIDATES; i++) {
                bm25[i] = 1 + 20 * random.nextDouble();
                cos[i] = 0.1 + 0.8 * random.nextDouble();
            }
            int[] bm25Rank = ranks(bm25);
            int[] vectorRank = ranks(cos);
            List<Candidate> cs = new ArrayList<>();
            for (int i = 0; i < CANDIDATES; i++) {
                cs.add(candidate("q" + j + "-c" + i, bm25Rank[i], bm25[i], vectorRank[i], cos[i], null));
            }
            double[] b = scaled(bm25);
            double[] c = scaled(cos);
            List<Integer> byPlanted = IntStream.range(0, CANDIDATES)
                    .boxed()
                    .sorted(Comparator.comparingDouble(i -> -(planted * b[i] + (1 - planted) * c[i])))
                    .toList();
            Map<String, Integer> gains = new HashMap<>();
            for (int r = 0; r < 5; r++) {
                gains.put("q" + j + "-c" + byPlanted.get(r), 5 - r);
            }
            out.add(new JudgedQuery(new CandidateLists(q, cs), gains));
        }
        return out;
    }

    /** 1-based ranks, highest value first. */
    private static int[] ranks(double[] xs) {
        List<Integer> order = IntStream.range(0, xs.length)
                .boxed()
                .sorted(Comparator.comparingDouble(i -> -xs[i]))
                .toList();
        int[] rank = new int[xs.length];
        for (int r = 0; r < order.size(); r++) {
            rank[order.get(r)] = r + 1;
        }
        return rank;
    }

    private static double[] scaled(double[] xs) {
        double min = java.util.Arrays.stream(xs).min().orElseThrow();
        double max = java.util.Arrays.stream(xs).max().orElseThrow();
        return java.util.Arrays.stream(xs).map(x -> (x - min) / (max - min)).toArray();
    }

    @Test
    void judgementsThatFollowBm25OnlyFitAWeightNearOne() {
        ScoreFusionFit fit = ScoreFusionFit.fit(judgedFollowing(1.0, 1));
        assertThat(fit.weight()).isGreaterThanOrEqualTo(0.9);
        assertThat(fit.trainingNdcg()).isCloseTo(1.0, within(1e-9));
        assertThat(fit.queries()).isEqualTo(QUERIES);
    }

    @Test
    void judgementsThatFollowCosineOnlyFitAWeightNearZero() {
        ScoreFusionFit fit = ScoreFusionFit.fit(judgedFollowing(0.0, 2));
        assertThat(fit.weight()).isLessThanOrEqualTo(0.1);
        assertThat(fit.trainingNdcg()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void aPlantedMixRecoversItsWeight() {
        ScoreFusionFit fit = ScoreFusionFit.fit(judgedFollowing(0.3, 3));
        assertThat(fit.weight()).isCloseTo(0.3, within(0.05 + 1e-9));
        assertThat(fit.trainingNdcg()).isCloseTo(1.0, within(1e-9));
        assertThat(fit.ranker().weight()).isEqualTo(fit.weight());
    }

    @Test
    void theTrainingNdcgIsWhatTheFittedRankerScoresOnTheFittingQueries() {
        // planted 0.62 lies off the grid: the fit cannot be perfect, and its figure must be the ranker's own
        List<JudgedQuery> judged = judgedFollowing(0.62, 6);
        ScoreFusionFit fit = ScoreFusionFit.fit(judged);
        double sum = 0;
        for (JudgedQuery q : judged) {
            List<String> ranking = fit.ranker().rank(q.lists().query(), q.lists()).stream()
                    .map(r -> r.candidate().caseId())
                    .toList();
            sum += dev.engram.retriever.eval.RetrievalMetrics.ndcgAtK(ranking, q.gains(), 10);
        }
        assertThat(fit.trainingNdcg()).isCloseTo(sum / judged.size(), within(1e-12));
        assertThat(fit.weight()).isCloseTo(0.62, within(0.05 + 1e-9));
    }

    @Test
    void whenEveryWeightScoresTheSameTheFitStaysAtOneHalf() {
        // BM25 and cosine agree on every list: all 21 weights give the same order
        RecallQuery q = query(vec(1, 0));
        List<JudgedQuery> judged = new ArrayList<>();
        for (int j = 0; j < 5; j++) {
            List<Candidate> cs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                cs.add(candidate("q" + j + "-c" + i, i + 1, 10 - i, i + 1, 0.9 - 0.1 * i, null));
            }
            // the judged case sits at rank 3 for every weight: nDCG is the same, below 1
            judged.add(new JudgedQuery(new CandidateLists(q, cs), Map.of("q" + j + "-c2", 1)));
        }
        ScoreFusionFit fit = ScoreFusionFit.fit(judged);
        assertThat(fit.weight()).isEqualTo(0.5);
        assertThat(fit.trainingNdcg()).isCloseTo(0.5, within(1e-9)); // 1 / log2(4)
    }

    @Test
    void queriesWithoutARelevantJudgementAreLeftOut() {
        List<JudgedQuery> judged = new ArrayList<>(judgedFollowing(1.0, 4));
        JudgedQuery first = judged.get(0);
        judged.add(new JudgedQuery(first.lists(), Map.of()));
        judged.add(new JudgedQuery(
                first.lists(), Map.of(first.gains().keySet().iterator().next(), 0)));
        ScoreFusionFit fit = ScoreFusionFit.fit(judged);
        assertThat(fit.queries()).isEqualTo(QUERIES);
        assertThat(fit.trainingNdcg()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void refusesToFitOnNoRelevantJudgement() {
        JudgedQuery unjudged = new JudgedQuery(judgedFollowing(1.0, 5).get(0).lists(), Map.of());
        assertThatThrownBy(() -> ScoreFusionFit.fit(List.of(unjudged)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none of the 1 judged queries");
    }
}
