package dev.engram.retriever.ranking;

import static dev.engram.retriever.ranking.RankingFixtures.bm25Base;
import static dev.engram.retriever.ranking.RankingFixtures.fiveByBm25;
import static dev.engram.retriever.ranking.RankingFixtures.query;
import static dev.engram.retriever.ranking.RankingFixtures.vec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReuseFitTest {

    // two tasks at cosine .62; each is scored with the other's verdicts only (leave-one-out)
    private static final float[] T1 = vec(1, 0, 0);
    private static final float[] T2 = vec(0.62, Math.sqrt(1 - 0.62 * 0.62), 0);
    // β 2: a close enough task moves d (BM25's 4th) to the top
    private static final RankerPolicy POLICY = RankerPolicy.untuned()
            .withReuseWeighting(RankerPolicy.ReuseWeighting.CLOSENESS)
            .withReuse(2.0, 5, 0.75);

    private static JudgedQuery judged(float[] task, Map<String, Integer> gains) {
        return new JudgedQuery(fiveByBm25(query(task)), gains);
    }

    @Test
    void aThresholdLowEnoughToReachTheOtherTaskWinsWhenItsVerdictsAgree() {
        // both found d useful and a useless: only a threshold well below .62 lets the other's verdicts act
        List<JudgedTask> tasks = List.of(
                new JudgedTask("t1", T1, Set.of("d"), Set.of("a")), new JudgedTask("t2", T2, Set.of("d"), Set.of("a")));
        List<JudgedQuery> queries = List.of(judged(T1, Map.of("d", 1, "a", 0)), judged(T2, Map.of("d", 1, "a", 0)));
        ReuseFit fit = ReuseFit.fit(POLICY, bm25Base(), RankingFixtures.TENANT, tasks, queries);
        // .40 and .45 both lift d to rank 1; the higher wins the tie. At .50 d stays behind b
        assertThat(fit.threshold()).isEqualTo(0.45);
        assertThat(fit.neighbours()).isEqualTo(5); // one other task: every number of neighbours ties
        assertThat(fit.applyTo(POLICY).reuseThreshold()).isEqualTo(0.45);
        assertThat(fit.looNdcg()).isCloseTo(1.0, within(1e-9));
        assertThat(fit.baseNdcg()).isCloseTo(1 / (Math.log(5) / Math.log(2)), within(1e-9));
        assertThat(fit.tasks()).isEqualTo(2);
    }

    @Test
    void whenTheOtherTasksVerdictsDisagreeTheHighestThresholdKeepsTheBaseOrder() {
        List<JudgedTask> tasks = List.of(
                new JudgedTask("t1", T1, Set.of("d"), Set.of("a")), new JudgedTask("t2", T2, Set.of("a"), Set.of("d")));
        List<JudgedQuery> queries = List.of(judged(T1, Map.of("d", 1, "a", 0)), judged(T2, Map.of("a", 1, "d", 0)));
        ReuseFit fit = ReuseFit.fit(POLICY, bm25Base(), RankingFixtures.TENANT, tasks, queries);
        assertThat(fit.threshold()).isEqualTo(0.9);
        assertThat(fit.looNdcg()).isCloseTo(fit.baseNdcg(), within(1e-9));
    }

    @Test
    void theWeighingStageFitsTheStrengthThatMovesTheOtherTasksUsefulCaseToTheTop() {
        // cos .9: at β .5 the other task's verdicts lift d from 4th to 2nd; β 1 lifts it to 1st
        float[] t2 = vec(0.9, Math.sqrt(1 - 0.81), 0);
        List<JudgedTask> tasks = List.of(
                new JudgedTask("t1", T1, Set.of("d"), Set.of("a")), new JudgedTask("t2", t2, Set.of("d"), Set.of("a")));
        List<JudgedQuery> queries = List.of(judged(T1, Map.of("d", 1, "a", 0)), judged(t2, Map.of("d", 1, "a", 0)));
        RankerPolicy weak = POLICY.withReuse(0.5, 5, 0.75);
        ReuseFit searchOnly = ReuseFit.fit(weak, bm25Base(), RankingFixtures.TENANT, tasks, queries);
        assertThat(searchOnly.beta()).isEqualTo(0.5);
        assertThat(searchOnly.looNdcg()).isLessThan(1.0);
        ReuseGrid grid = ReuseGrid.SEARCH.withWeighing(List.of(0.5, 0.25, 1.0, 2.0), List.of(), List.of());
        ReuseFit fit = ReuseFit.fit(weak, bm25Base(), RankingFixtures.TENANT, tasks, queries, grid);
        // β 1 and 2 both put d first; the earlier in the grid wins the tie
        assertThat(fit.beta()).isEqualTo(1.0);
        assertThat(fit.looNdcg()).isCloseTo(1.0, within(1e-9));
        assertThat(fit.shape()).isEqualTo(ReuseShape.LINEAR);
        assertThat(fit.applyTo(weak).reuseBeta()).isEqualTo(1.0);
        // feedback was not in the grid: it stays as the policy had it (off)
        assertThat(fit.feedbackWeight()).isZero();
        assertThat(fit.applyTo(weak).feedback()).isFalse();
        assertThat(grid.points()).isEqualTo(33 + 4);
    }

    @Test
    void refusesTasksAndQueriesThatDoNotPairUpOrHaveNoUsefulVerdict() {
        List<JudgedTask> one = List.of(new JudgedTask("t1", T1, Set.of(), Set.of("a")));
        assertThatThrownBy(() -> ReuseFit.fit(POLICY, bm25Base(), RankingFixtures.TENANT, one, List.of()))
                .hasMessageContaining("pair up");
        assertThatThrownBy(() -> ReuseFit.fit(
                        POLICY, bm25Base(), RankingFixtures.TENANT, one, List.of(judged(T1, Map.of("a", 0)))))
                .hasMessageContaining("no");
    }
}
