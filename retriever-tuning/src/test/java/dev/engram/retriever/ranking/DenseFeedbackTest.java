package dev.engram.retriever.ranking;

import static dev.engram.retriever.ranking.RankingFixtures.bm25Base;
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
import java.util.Set;
import org.junit.jupiter.api.Test;

class DenseFeedbackTest {

    // a past task close to the query (cos .9) judged u useful and n useless; c lies next to u, b next to n
    private static final float[] QUERY = vec(1, 0, 0);
    private static final JudgedTask PAST =
            new JudgedTask("past", vec(0.9, Math.sqrt(1 - 0.81), 0), Set.of("u"), Set.of("n"));
    private static final JudgedTaskMemory MEMORY = new JudgedTaskMemory(RankingFixtures.TENANT, List.of(PAST));

    /** BM25 order a, b, c, u, n (scaled 1, .75, .5, .25, 0), each with a vector. */
    private static CandidateLists candidates(RecallQuery q) {
        return lists(
                q,
                candidate("a", 1, 10, 0, 0, vec(0.6, 0, 0.8)),
                candidate("b", 2, 8, 0, 0, vec(0.55, -0.83, 0.1)),
                candidate("c", 3, 6, 0, 0, vec(0.55, 0.83, 0.1)),
                candidate("u", 4, 4, 0, 0, vec(0.6, 0.8, 0)),
                candidate("n", 5, 2, 0, 0, vec(0.6, -0.8, 0)));
    }

    private static List<RankedCandidate> rank(DenseFeedback feedback, float[] queryVector) {
        RecallQuery q = query(queryVector);
        return feedback.rank(q, candidates(q));
    }

    @Test
    void anUnjudgedCaseNearAUsefulOneRisesAndOneNearAUselessOneSinks() {
        List<RankedCandidate> ranked = rank(new DenseFeedback(bm25Base(), MEMORY, 0.5, 5, 0.75), QUERY);
        // the query moves to q + .75 u − .15 n: c (next to u, never judged) passes b (next to n)
        assertThat(ids(ranked)).containsExactly("a", "c", "u", "b", "n");
        // b is the farthest from the moved query: its feedback part is 0, half its base .75 remains
        assertThat(find(ranked, "b").score()).isCloseTo(0.375, within(1e-3));
        assertThat(find(ranked, "u").contribution()).contains("feedback cos 0.50×1.00 (from 1 similar tasks)");
    }

    @Test
    void aQueryFarFromEveryJudgedTaskKeepsTheBaseOrder() {
        List<RankedCandidate> ranked = rank(new DenseFeedback(bm25Base(), MEMORY, 0.5, 5, 0.75), vec(0, 0, 1));
        assertThat(ids(ranked)).containsExactly("a", "b", "c", "u", "n");
        assertThat(ranked).extracting(RankedCandidate::score).containsExactly(1.0, 0.75, 0.5, 0.25, 0.0);
        assertThat(ranked.get(0).contribution()).endsWith("feedback 0 (no similar past task)");
    }

    @Test
    void withoutAQueryVectorOrAtWeightZeroTheOrderIsTheBases() {
        RecallQuery bm25Only = RecallQuery.bm25(RankingFixtures.TENANT, "a task", 10);
        assertThat(ids(new DenseFeedback(bm25Base(), MEMORY, 0.5, 5, 0.75).rank(bm25Only, candidates(bm25Only))))
                .containsExactly("a", "b", "c", "u", "n");
        assertThat(ids(rank(new DenseFeedback(bm25Base(), MEMORY, 0, 5, 0.75), QUERY)))
                .containsExactly("a", "b", "c", "u", "n");
    }

    @Test
    void judgedCasesThatNoSearchReturnedGiveNoDirection() {
        JudgedTaskMemory elsewhere = new JudgedTaskMemory(
                RankingFixtures.TENANT, List.of(new JudgedTask("past", PAST.vector(), Set.of("zz"), Set.of())));
        List<RankedCandidate> ranked = rank(new DenseFeedback(bm25Base(), elsewhere, 0.5, 5, 0.75), QUERY);
        assertThat(ids(ranked)).containsExactly("a", "b", "c", "u", "n");
        assertThat(ranked.get(0).contribution()).endsWith("feedback 0 (no judged case among the candidates)");
    }

    @Test
    void validatesItsParameters() {
        assertThatThrownBy(() -> new DenseFeedback(bm25Base(), MEMORY, 1.5, 5, 0.75))
                .hasMessageContaining("weight");
        assertThatThrownBy(() -> new DenseFeedback(bm25Base(), MEMORY, 0.5, 0, 0.75))
                .hasMessageContaining("neighbours");
        assertThatThrownBy(() -> new DenseFeedback(bm25Base(), MEMORY, 0.5, 5, 0))
                .hasMessageContaining("threshold");
        RecallQuery other = query("globex", QUERY);
        assertThatThrownBy(() -> new DenseFeedback(bm25Base(), MEMORY, 0.5, 5, 0.75).rank(other, candidates(other)))
                .hasMessageContaining("globex");
    }
}
