package dev.engram.retriever.ranking;

import static dev.engram.retriever.ranking.RankingFixtures.bm25Base;
import static dev.engram.retriever.ranking.RankingFixtures.fiveByBm25;
import static dev.engram.retriever.ranking.RankingFixtures.vec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.engram.memory.RecallQuery;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExpansionFitTest {

    // orthogonal vectors: reuse cannot link the two tasks, only their words can
    private static final float[] V1 = vec(1, 0, 0);
    private static final float[] V2 = vec(0, 1, 0);
    private static final String TEXT1 = "supersonic flutter of a heated panel";
    private static final String TEXT2 = "flutter of heated panels at supersonic speed";

    private static JudgedQuery judged(String text, float[] vector) {
        RecallQuery q = RecallQuery.hybrid(RankingFixtures.TENANT, text, vector, 10);
        return new JudgedQuery(fiveByBm25(q), Map.of("d", 1, "a", 0));
    }

    @Test
    void aWeightThatLiftsTheCaseTheOtherTaskFoundUsefulWins() {
        // both tasks found d (BM25's 4th) useful and a (1st) useless; each is scored with the other's words only
        List<JudgedTask> tasks = List.of(
                new JudgedTask("t1", V1, Set.of("d"), Set.of("a"), TEXT1),
                new JudgedTask("t2", V2, Set.of("d"), Set.of("a"), TEXT2));
        List<JudgedQuery> queries = List.of(judged(TEXT1, V1), judged(TEXT2, V2));
        ExpansionFit fit = ExpansionFit.fit(RankerPolicy.untuned(), bm25Base(), RankingFixtures.TENANT, tasks, queries);
        // t2's "speed" is in no other task's text, so t2 needs the largest weight to bring d to the top
        assertThat(fit.weight()).isEqualTo(4.0);
        assertThat(fit.looNdcg()).isCloseTo(1.0, within(1e-9));
        assertThat(fit.withoutNdcg()).isCloseTo(1 / (Math.log(5) / Math.log(2)), within(1e-9));
        assertThat(fit.applyTo(RankerPolicy.untuned()))
                .isEqualTo(RankerPolicy.untuned().withExpansion(4.0));
    }

    @Test
    void tasksWithoutTextFitNoExpansion() {
        List<JudgedTask> tasks = List.of(
                new JudgedTask("t1", V1, Set.of("d"), Set.of("a")), new JudgedTask("t2", V2, Set.of("d"), Set.of("a")));
        List<JudgedQuery> queries = List.of(judged(TEXT1, V1), judged(TEXT2, V2));
        ExpansionFit fit = ExpansionFit.fit(RankerPolicy.untuned(), bm25Base(), RankingFixtures.TENANT, tasks, queries);
        assertThat(fit.weight()).isZero();
        assertThat(fit.looNdcg()).isEqualTo(fit.withoutNdcg());
        assertThat(fit.applyTo(RankerPolicy.untuned().withExpansion(1.0)).expansion())
                .isFalse();
    }
}
