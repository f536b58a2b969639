package dev.engram.retriever.ranking;

import static dev.engram.retriever.ranking.RankingFixtures.bm25Base;
import static dev.engram.retriever.ranking.RankingFixtures.find;
import static dev.engram.retriever.ranking.RankingFixtures.fiveByBm25;
import static dev.engram.retriever.ranking.RankingFixtures.ids;
import static dev.engram.retriever.ranking.RankingFixtures.vec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskExpansionTest {

    // Two past tasks; their vectors are orthogonal to every query below, so only their words can count.
    private static final JudgedTask FLUTTER = new JudgedTask(
            "flutter", vec(1, 0, 0), Set.of("d"), Set.of("a"), "flutter of a heated wing panel at supersonic speed");
    private static final JudgedTask BILLING =
            new JudgedTask("billing", vec(0, 1, 0), Set.of("e"), Set.of("b"), "billing invoice refund for a customer");
    private static final JudgedTaskMemory MEMORY =
            new JudgedTaskMemory(RankingFixtures.TENANT, List.of(FLUTTER, BILLING));

    private static List<RankedCandidate> rank(Ranker ranker, String task) {
        RecallQuery q = RecallQuery.hybrid(RankingFixtures.TENANT, task, vec(0, 0, 1), 10);
        return ranker.rank(q, fiveByBm25(q));
    }

    @Test
    void aCaseUsefulToALexicallySimilarPastTaskMovesUpAndItsUselessOneDown() {
        // base (BM25): a 1, b .75, c .5, d .25, e 0
        List<RankedCandidate> ranked =
                rank(new TaskExpansion(bm25Base(), MEMORY, 1.0), "supersonic flutter of heated panels");
        // 4 expansion documents of 6 and 4 words (avg 5); every query word is in d's useful and a's useless
        // document (df 2, idf ln 2), once: each word scores idf·2.2/(1 + 1.2·(.25 + .75·6/5)) of its ceiling idf·2.2
        double share = 1 / (1 + 1.2 * (0.25 + 0.75 * 6 / 5.0));
        assertThat(find(ranked, "d").score()).isCloseTo(0.25 + share, within(1e-6));
        assertThat(find(ranked, "a").score()).isCloseTo(1.0 - share, within(1e-6));
        assertThat(ids(ranked)).containsExactly("b", "d", "a", "c", "e");
        assertThat(find(ranked, "d").contribution())
                .endsWith("; base 0.25 + expansion +0.42 (useful to 1 past tasks, useless to 0)");
        assertThat(find(ranked, "e").score())
                .as("the billing task's case: no word in common")
                .isEqualTo(0.0);
    }

    @Test
    void aTaskSharingNoWordWithAnyJudgedTaskKeepsTheBaseOrder() {
        List<RankedCandidate> ranked =
                rank(new TaskExpansion(bm25Base(), MEMORY, 1.0), "database index latency after a deploy");
        assertThat(ids(ranked)).containsExactly("a", "b", "c", "d", "e");
        assertThat(ranked).extracting(RankedCandidate::score).containsExactly(1.0, 0.75, 0.5, 0.25, 0.0);
        assertThat(ranked.get(0).contribution())
                .endsWith("; base 1.00 + expansion +0.00 (useful to 0 past tasks, useless to 1)");
    }

    @Test
    void tasksWithoutTextExpandNothingAndZeroWeightMovesNothing() {
        JudgedTaskMemory untitled = new JudgedTaskMemory(
                RankingFixtures.TENANT, List.of(new JudgedTask("t", vec(1, 0, 0), Set.of("d"), Set.of("a"))));
        assertThat(ids(rank(new TaskExpansion(bm25Base(), untitled, 1.0), "supersonic flutter")))
                .containsExactly("a", "b", "c", "d", "e");
        assertThat(ids(rank(new TaskExpansion(bm25Base(), MEMORY, 0.0), "supersonic flutter")))
                .containsExactly("a", "b", "c", "d", "e");
        assertThatThrownBy(() -> new TaskExpansion(bm25Base(), MEMORY, Double.NaN))
                .hasMessageContaining("taskExpansion.weight");
    }

    @Test
    void theFactoryBuildsItAfterReuseFromThePolicy() {
        Ranker ranker = RankerFactory.of(bm25Base(), MEMORY)
                .build(RankerPolicy.untuned().withReuse(0.5, 5, 0.75).withExpansion(1.0));
        assertThat(ranker.name()).endsWith("+reuse+expansion");
        assertThat(ids(rank(ranker, "supersonic flutter of heated panels"))).containsExactly("b", "d", "a", "c", "e");
    }
}
