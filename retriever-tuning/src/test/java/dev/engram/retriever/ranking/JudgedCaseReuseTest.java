package dev.engram.retriever.ranking;

import static dev.engram.retriever.ranking.RankingFixtures.bm25Base;
import static dev.engram.retriever.ranking.RankingFixtures.find;
import static dev.engram.retriever.ranking.RankingFixtures.fiveByBm25;
import static dev.engram.retriever.ranking.RankingFixtures.ids;
import static dev.engram.retriever.ranking.RankingFixtures.query;
import static dev.engram.retriever.ranking.RankingFixtures.vec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.engram.memory.RankedCandidate;
import dev.engram.memory.RecallQuery;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JudgedCaseReuseTest {

    // the query points along x; t1 and t2 are close to it (cos .95, .90), far lies along y (cos 0)
    private static final float[] QUERY = vec(1, 0, 0);
    private static final double SIM1 = 0.95;
    private static final double SIM2 = 0.90;
    private static final JudgedTask T1 =
            new JudgedTask("t1", vec(SIM1, Math.sqrt(1 - SIM1 * SIM1), 0), Set.of("d", "z"), Set.of("a"));
    private static final JudgedTask T2 =
            new JudgedTask("t2", vec(SIM2, 0, Math.sqrt(1 - SIM2 * SIM2)), Set.of("d"), Set.of("c"));
    private static final JudgedTask FAR = new JudgedTask("far", vec(0, 1, 0), Set.of("e"), Set.of("b"));
    private static final JudgedTaskMemory MEMORY = new JudgedTaskMemory(RankingFixtures.TENANT, List.of(T1, T2, FAR));
    private static final double BETA = 0.6;

    private static List<RankedCandidate> rank(JudgedCaseReuse reuse, float[] queryVector) {
        RecallQuery q = query(queryVector);
        return reuse.rank(q, fiveByBm25(q));
    }

    @Test
    void aCaseJudgedUsefulBySimilarTasksMovesUpAndAUselessOneMovesDown() {
        // base (BM25): a 1, b .75, c .5, d .25, e 0
        List<RankedCandidate> ranked = rank(new JudgedCaseReuse(bm25Base(), MEMORY, BETA, 5, 0.75), QUERY);
        double sims = SIM1 + SIM2;
        assertThat(find(ranked, "d").score()).isCloseTo(0.25 + BETA * (SIM1 + SIM2) / sims, within(1e-6));
        assertThat(find(ranked, "a").score()).isCloseTo(1.0 - BETA * SIM1 / sims, within(1e-6));
        assertThat(find(ranked, "c").score()).isCloseTo(0.5 - BETA * SIM2 / sims, within(1e-6));
        // d (useful to both) goes from 4th to 1st, a (useless to t1) from 1st to 3rd; c (useless to t2) drops to .21
        assertThat(ids(ranked)).containsExactly("d", "b", "a", "c", "e");
        assertThat(find(ranked, "d").contribution())
                .endsWith("; base 0.25 + reuse +0.60 (judged by 2 of 2 similar tasks: 2 useful, 0 useless)");
        assertThat(find(ranked, "b").contribution())
                .endsWith("; base 0.75 + reuse 0 (not judged by the 2 similar tasks)");
    }

    @Test
    void aQueryFarFromEveryJudgedTaskKeepsTheBaseOrder() {
        // cos to t2 is .44, to t1 and far 0: none reaches the threshold, so far's verdicts (e up, b down) do not count
        float[] unrelated = vec(0, 0, 1);
        JudgedCaseReuse reuse = new JudgedCaseReuse(bm25Base(), MEMORY, BETA, 5, 0.75);
        List<RankedCandidate> ranked = rank(reuse, unrelated);
        assertThat(ids(ranked)).containsExactly("a", "b", "c", "d", "e");
        assertThat(ranked).extracting(RankedCandidate::score).containsExactly(1.0, 0.75, 0.5, 0.25, 0.0);
        assertThat(ranked.get(0).contribution()).endsWith("; base 1.00 + reuse 0 (no similar past task)");
        // with a lower threshold t2 (cos .44) is consulted: d up, c down. The threshold is what kept the order
        assertThat(ids(rank(new JudgedCaseReuse(bm25Base(), MEMORY, BETA, 5, 0.4), unrelated)))
                .containsExactly("a", "d", "b", "e", "c");
    }

    @Test
    void withoutAQueryVectorTheOrderIsTheBases() {
        RecallQuery bm25Only = RecallQuery.bm25(RankingFixtures.TENANT, "a task", 10);
        List<RankedCandidate> ranked =
                new JudgedCaseReuse(bm25Base(), MEMORY, BETA, 5, 0.75).rank(bm25Only, fiveByBm25(bm25Only));
        assertThat(ids(ranked)).containsExactly("a", "b", "c", "d", "e");
        assertThat(ranked.get(0).contribution()).endsWith("reuse 0 (no query vector)");
    }

    @Test
    void onlyTheMNearestTasksAreConsulted() {
        // m = 1: only t1 counts, so c (judged useless by t2 alone) keeps its score
        List<RankedCandidate> ranked = rank(new JudgedCaseReuse(bm25Base(), MEMORY, BETA, 1, 0.75), QUERY);
        assertThat(find(ranked, "c").score()).isCloseTo(0.5, within(1e-9));
        assertThat(find(ranked, "a").score()).isCloseTo(1.0 - BETA, within(1e-6));
        assertThat(ids(ranked)).containsExactly("d", "b", "c", "a", "e");
    }

    @Test
    void aCaseThatNoSearchReturnedIsNotPulledIn() {
        // t1 judged z useful, but z is not a candidate: only candidates are reordered
        List<RankedCandidate> ranked = rank(new JudgedCaseReuse(bm25Base(), MEMORY, BETA, 5, 0.75), QUERY);
        assertThat(ids(ranked)).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
    }

    @Test
    void aZeroBetaKeepsTheBaseOrder() {
        assertThat(ids(rank(new JudgedCaseReuse(bm25Base(), MEMORY, 0, 5, 0.75), QUERY)))
                .containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void refusesAnotherTenantsQuery() {
        RecallQuery other = query("globex", QUERY);
        JudgedCaseReuse reuse = new JudgedCaseReuse(bm25Base(), MEMORY, BETA, 5, 0.75);
        assertThatThrownBy(() -> reuse.rank(other, fiveByBm25(query(QUERY))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tenant acme")
                .hasMessageContaining("globex");
    }

    @Test
    void validatesItsParametersAndTasks() {
        assertThatThrownBy(() -> new JudgedCaseReuse(bm25Base(), MEMORY, -0.1, 5, 0.75))
                .hasMessageContaining("beta");
        assertThatThrownBy(() -> new JudgedCaseReuse(bm25Base(), MEMORY, 0.5, 0, 0.75))
                .hasMessageContaining("neighbours");
        assertThatThrownBy(() -> new JudgedCaseReuse(bm25Base(), MEMORY, 0.5, 5, 0))
                .hasMessageContaining("threshold");
        assertThatThrownBy(() -> new JudgedTask("t", vec(1, 0), Set.of("x"), Set.of("x")))
                .hasMessageContaining("[x]")
                .hasMessageContaining("both useful and useless");
        assertThatThrownBy(() -> new JudgedTask("t", vec(0, 0), Set.of(), Set.of()))
                .hasMessageContaining("zero vector");
        assertThatThrownBy(() ->
                        new JudgedTaskMemory("acme", List.of(T1, new JudgedTask("t9", vec(1, 0), Set.of(), Set.of()))))
                .hasMessageContaining("one vector length");
        assertThatThrownBy(() -> MEMORY.nearest(vec(1, 0), 5, 0.5)).hasMessageContaining("length 2");
    }

    @Test
    void nearestReturnsTheClosestFirstAboveTheThreshold() {
        List<SimilarTask> near = MEMORY.nearest(QUERY, 5, 0.5);
        assertThat(near).extracting(s -> s.task().taskId()).containsExactly("t1", "t2");
        assertThat(near.get(0).similarity()).isCloseTo(SIM1, within(1e-6));
        assertThat(MEMORY.nearest(QUERY, 5, -1)).hasSize(3);
    }

    private static final RankerPolicy.ReuseWeighting CLOSENESS = RankerPolicy.ReuseWeighting.CLOSENESS;

    @Test
    void byClosenessATaskJustAboveTheThresholdBarelyCounts() {
        // threshold .75: t1 (cos .95) weighs .8, t2 (cos .90) .6; their sum 1.4 divides the vote
        List<RankedCandidate> ranked = rank(new JudgedCaseReuse(bm25Base(), MEMORY, BETA, 5, 0.75, CLOSENESS), QUERY);
        assertThat(find(ranked, "d").score()).isCloseTo(0.25 + BETA, within(1e-6));
        assertThat(find(ranked, "a").score()).isCloseTo(1.0 - BETA * 0.8 / 1.4, within(1e-6));
        assertThat(ids(ranked)).containsExactly("d", "b", "a", "c", "e");
        // threshold .9: t2 sits on it and counts 0, t1 weighs .5 and is not divided by anything
        List<RankedCandidate> high = rank(new JudgedCaseReuse(bm25Base(), MEMORY, BETA, 5, 0.9, CLOSENESS), QUERY);
        assertThat(find(high, "d").score()).isCloseTo(0.25 + BETA * 0.5, within(1e-6));
        assertThat(find(high, "c").score()).isCloseTo(0.5, within(1e-6));
        assertThat(ids(high)).containsExactly("b", "a", "d", "c", "e");
    }

    @Test
    void byClosenessATaskAskedAgainFindsItsOwnVerdictsOverTheWholeRange() {
        // the same task judged e (BM25's last) useful and a (BM25's first) useless; t1 is close to it
        JudgedTask self = new JudgedTask("self", QUERY, Set.of("e"), Set.of("a"));
        JudgedTaskMemory memory = new JudgedTaskMemory(RankingFixtures.TENANT, List.of(self, T1));
        List<RankedCandidate> ranked = rank(new JudgedCaseReuse(bm25Base(), memory, BETA, 5, 0.75, CLOSENESS), QUERY);
        assertThat(find(ranked, "e").score()).isCloseTo(1.0, within(1e-6));
        assertThat(find(ranked, "a").score()).isCloseTo(1.0 - 1 - BETA * 0.8, within(1e-6));
        assertThat(ids(ranked)).containsExactly("e", "b", "d", "c", "a");
    }

    @Test
    void byClosenessAQueryFarFromEveryJudgedTaskKeepsTheBaseOrder() {
        List<RankedCandidate> ranked =
                rank(new JudgedCaseReuse(bm25Base(), MEMORY, BETA, 5, 0.5, CLOSENESS), vec(0, 0, 1));
        assertThat(ids(ranked)).containsExactly("a", "b", "c", "d", "e");
        assertThat(ranked).extracting(RankedCandidate::score).containsExactly(1.0, 0.75, 0.5, 0.25, 0.0);
    }
}
