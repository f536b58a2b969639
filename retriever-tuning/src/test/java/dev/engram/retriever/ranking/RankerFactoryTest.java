package dev.engram.retriever.ranking;

import static dev.engram.retriever.ranking.RankingFixtures.candidate;
import static dev.engram.retriever.ranking.RankingFixtures.fiveByBm25;
import static dev.engram.retriever.ranking.RankingFixtures.ids;
import static dev.engram.retriever.ranking.RankingFixtures.lists;
import static dev.engram.retriever.ranking.RankingFixtures.query;
import static dev.engram.retriever.ranking.RankingFixtures.vec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RankerFactoryTest {

    /** Stands in for the store's reciprocal rank fusion: the candidates in reverse store order. */
    private static final Ranker UNTUNED = new Ranker() {
        @Override
        public String name() {
            return "rrf";
        }

        @Override
        public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
            int n = candidates.candidates().size();
            return java.util.stream.IntStream.range(0, n)
                    .mapToObj(i -> new RankedCandidate(candidates.candidates().get(n - 1 - i), n - i, "rrf"))
                    .toList();
        }
    };

    private static final JudgedTaskMemory MEMORY = new JudgedTaskMemory(
            RankingFixtures.TENANT, List.of(new JudgedTask("t1", vec(1, 0, 0), Set.of("e"), Set.of())));
    private static final TrainedSelector SELECTOR = new TrainedSelector(
            RankingFixtures.TENANT, (task, cases) -> new float[cases.size()], List.of(vec(1, 0, 0)));

    @Test
    void theUntunedPolicyServesTheUntunedRanker() {
        assertThat(RankerFactory.of(UNTUNED, MEMORY).build(RankerPolicy.untuned()))
                .isSameAs(UNTUNED);
    }

    @Test
    void stagesComposeInOrderWithThePolicysParameters() {
        RankerFactory factory = RankerFactory.of(UNTUNED, MEMORY).withSelector(SELECTOR);
        RankerPolicy fusionOnly = RankerPolicy.untuned().withFusion(1.0);
        assertThat(factory.build(fusionOnly).name()).isEqualTo("fusion");
        assertThat(factory.build(fusionOnly.withReuse(0.5, 5, 0.75)).name()).isEqualTo("fusion+reuse");
        assertThat(factory.build(fusionOnly.withReuse(0.5, 5, 0.75).withSelector(0.5, 0.8))
                        .name())
                .isEqualTo("fusion+reuse+selector");
        assertThat(factory.build(RankerPolicy.untuned().withReuse(0.5, 5, 0.75)).name())
                .isEqualTo("rrf+reuse");
        assertThat(factory.build(RankerPolicy.proposed().withFeedback(0.5)).name())
                .isEqualTo("rrf+feedback+reuse");
        assertThat(factory.build(RankerPolicy.proposed().withFeedback(0.5).withSelector(0.5, 0.8))
                        .name())
                .isEqualTo("rrf+feedback+reuse+selector");

        RecallQuery q = query(vec(1, 0, 0));
        CandidateLists l = fiveByBm25(q);
        // w = 1 is BM25's order; reuse with a large β lifts e, which t1 judged useful, to the top
        assertThat(ids(factory.build(fusionOnly).rank(q, l))).containsExactly("a", "b", "c", "d", "e");
        assertThat(ids(factory.build(fusionOnly.withReuse(2.0, 5, 0.75)).rank(q, l)))
                .containsExactly("e", "a", "b", "c", "d");
        // and w = 0 follows the cosine
        CandidateLists byCosine = lists(q, candidate("x", 1, 9, 2, 0.2, null), candidate("y", 2, 1, 1, 0.9, null));
        assertThat(ids(factory.build(RankerPolicy.untuned().withFusion(0)).rank(q, byCosine)))
                .containsExactly("y", "x");
    }

    @Test
    void aPolicyThatBlendsTheSelectorNeedsOne() {
        RankerPolicy withSelector = RankerPolicy.untuned().withSelector(0.5, 0.8);
        assertThatThrownBy(() -> RankerFactory.of(UNTUNED, MEMORY).build(withSelector))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("withSelector");
    }

    @Test
    void theSelectorMustBeTheSameTenants() {
        TrainedSelector other = new TrainedSelector("globex", (t, cs) -> new float[cs.size()], List.of(vec(1, 0, 0)));
        assertThatThrownBy(() -> RankerFactory.of(UNTUNED, MEMORY).withSelector(other))
                .hasMessageContaining("globex")
                .hasMessageContaining("acme");
    }
}
