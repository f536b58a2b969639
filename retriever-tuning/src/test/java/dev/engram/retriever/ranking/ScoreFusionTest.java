package dev.engram.retriever.ranking;

import static dev.engram.retriever.ranking.RankingFixtures.candidate;
import static dev.engram.retriever.ranking.RankingFixtures.find;
import static dev.engram.retriever.ranking.RankingFixtures.ids;
import static dev.engram.retriever.ranking.RankingFixtures.lists;
import static dev.engram.retriever.ranking.RankingFixtures.query;
import static dev.engram.retriever.ranking.RankingFixtures.vec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.RecallQuery;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScoreFusionTest {

    private static final RecallQuery Q = query(vec(1, 0));

    /**
     * a: bm25 10 (rank 1), cos .5 (rank 2); b: bm25 6 (rank 2) only; c: bm25 2 (rank 3), cos .9 (rank 1);
     * d: cos .3 (rank 3) only. Scaled bm25 a 1, b .5, c 0, d 0 (missing); scaled cos a 1/3, c 1, d 0, b 0 (missing).
     */
    private static CandidateLists mixed() {
        return lists(
                Q,
                candidate("a", 1, 10, 2, 0.5, null),
                candidate("b", 2, 6, 0, 0, null),
                candidate("c", 3, 2, 1, 0.9, null),
                candidate("d", 0, 0, 3, 0.3, null));
    }

    @Test
    void scalesEachListOntoZeroOneAndScoresAMissingPartZero() {
        List<RankedCandidate> ranked = new ScoreFusion(0.5).rank(Q, mixed());
        assertThat(ids(ranked)).containsExactly("a", "c", "b", "d");
        assertThat(find(ranked, "a").score()).isCloseTo(0.5 * 1 + 0.5 / 3, within(1e-9));
        assertThat(find(ranked, "c").score()).isCloseTo(0.5 * 0 + 0.5 * 1, within(1e-9));
        assertThat(find(ranked, "b").score()).isCloseTo(0.5 * 0.5, within(1e-9));
        assertThat(find(ranked, "d").score()).isCloseTo(0.0, within(1e-9));
    }

    @Test
    void theWeightMovesTheOrderBetweenBm25AndCosine() {
        // w = 1: BM25's order; c and d tie at 0 and the better single rank (c: vector rank 1) goes first
        assertThat(ids(new ScoreFusion(1).rank(Q, mixed()))).containsExactly("a", "b", "c", "d");
        // w = 0: cosine's order; b and d tie at 0, b has the better single rank (2 against 3)
        assertThat(ids(new ScoreFusion(0).rank(Q, mixed()))).containsExactly("c", "a", "b", "d");
    }

    @Test
    void contributionSaysWhatEachPartAdded() {
        RankedCandidate a = find(new ScoreFusion(0.4).rank(Q, mixed()), "a");
        assertThat(a.contribution()).isEqualTo("fusion 0.60 (bm25 0.40×1.00 + cos 0.60×0.33)");
    }

    @Test
    void aBm25OnlyQueryKeepsBm25sOrderAtAnyWeight() {
        RecallQuery bm25 = RecallQuery.bm25(RankingFixtures.TENANT, "a task", 10);
        CandidateLists l = lists(
                bm25,
                candidate("x", 2, 3, 0, 0, null),
                candidate("y", 1, 9, 0, 0, null),
                candidate("z", 3, 1, 0, 0, null));
        for (double w : new double[] {0, 0.3, 1}) {
            assertThat(ids(new ScoreFusion(w).rank(bm25, l))).as("w %s", w).containsExactly("y", "x", "z");
        }
    }

    @Test
    void rejectsAWeightOutsideZeroOne() {
        assertThatThrownBy(() -> new ScoreFusion(1.2)).hasMessageContaining("scoreFusion.weight");
        assertThatThrownBy(() -> new ScoreFusion(Double.NaN)).hasMessageContaining("scoreFusion.weight");
    }
}
