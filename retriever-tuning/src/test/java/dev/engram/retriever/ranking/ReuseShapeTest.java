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
import dev.engram.memory.RecallQuery;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How a {@link ReuseShape} bends judged-case reuse weighted by closeness, built as a policy builds it. */
class ReuseShapeTest {

    private static final String TASK = "flutter of a heated swept wing";
    private static final float[] QUERY = vec(1, 0, 0);

    /** A unit vector at cosine {@code cos} to {@link #QUERY}. */
    private static float[] at(double cos) {
        return vec(cos, Math.sqrt(1 - cos * cos), 0);
    }

    // close (cos .9, closeness .8 above .5) found d useful and a useless; middling (cos .6, closeness .2) found e
    // useful
    private static final JudgedTask CLOSE =
            new JudgedTask("close", at(0.9), Set.of("d"), Set.of("a"), "laminar transition");
    private static final JudgedTask MIDDLING = new JudgedTask("mid", at(0.6), Set.of("e"), Set.of(), "boundary layer");
    // far by its vector (cos .3) but with the query's words; found c useful
    private static final JudgedTask SAME_WORDS =
            new JudgedTask("words", at(0.3), Set.of("c"), Set.of(), "heated swept wings in flutter");
    private static final JudgedTask OTHER_WORDS =
            new JudgedTask("other", at(0.3), Set.of("b"), Set.of(), "pressure on a blunt cone");
    private static final RankerFactory FACTORY = RankerFactory.of(
            bm25Base(),
            new JudgedTaskMemory(RankingFixtures.TENANT, List.of(CLOSE, MIDDLING, SAME_WORDS, OTHER_WORDS)));
    private static final RankerPolicy CLOSENESS = RankerPolicy.untuned()
            .withFusion(1.0)
            .withReuseWeighting(RankerPolicy.ReuseWeighting.CLOSENESS)
            .withReuse(1.0, 5, 0.5);

    private static List<RankedCandidate> rank(RankerPolicy policy) {
        RecallQuery q = RecallQuery.hybrid(RankingFixtures.TENANT, TASK, QUERY, 10);
        return FACTORY.build(policy).rank(q, fiveByBm25(q));
    }

    @Test
    void linearClosenessIsReuseAsFirstProposed() {
        // base a 1, b .75, c .5, d .25, e 0; weights .8 and .2 sum to 1, so nothing is divided
        List<RankedCandidate> ranked = rank(CLOSENESS);
        assertThat(find(ranked, "d").score()).isCloseTo(0.25 + 0.8, within(1e-6));
        assertThat(find(ranked, "e").score()).isCloseTo(0.0 + 0.2, within(1e-6));
        assertThat(find(ranked, "a").score()).isCloseTo(1.0 - 0.8, within(1e-6));
        assertThat(rank(CLOSENESS.withReuseShape(ReuseShape.LINEAR))).isEqualTo(ranked);
    }

    @Test
    void aPowerAboveOneLetsTheCloseTaskCountFarMoreThanTheMiddlingOne() {
        List<RankedCandidate> ranked = rank(CLOSENESS.withReuseShape(ReuseShape.LINEAR.withPower(2)));
        assertThat(find(ranked, "d").score()).isCloseTo(0.25 + 0.64, within(1e-6));
        assertThat(find(ranked, "e").score()).isCloseTo(0.0 + 0.04, within(1e-6));
        // the far tasks stay below the threshold whatever the power: b and c keep their base scores
        assertThat(find(ranked, "b").score()).isCloseTo(0.75, within(1e-6));
        assertThat(find(ranked, "c").score()).isCloseTo(0.5, within(1e-6));
    }

    @Test
    void aUselessVerdictCountsAsMuchAsItsWeight() {
        RankerPolicy half = CLOSENESS.withReuseShape(ReuseShape.LINEAR.withUselessWeight(0.5));
        assertThat(find(rank(half), "a").score()).isCloseTo(1.0 - 0.4, within(1e-6));
        assertThat(find(rank(half), "d").score()).isCloseTo(0.25 + 0.8, within(1e-6));
        RankerPolicy none = CLOSENESS.withReuseShape(ReuseShape.LINEAR.withUselessWeight(0));
        assertThat(find(rank(none), "a").score()).isCloseTo(1.0, within(1e-6));
        assertThat(ids(rank(none))).containsExactly("d", "a", "b", "c", "e");
    }

    @Test
    void theTasksWordsFindATaskTheVectorsPlaceFarButNotOneThatSharesNoWord() {
        // cosine alone: the two word-tasks (cos .3) are below .5 and c stays at its base
        assertThat(find(rank(CLOSENESS), "c").score()).isCloseTo(0.5, within(1e-6));
        // α .5: same words → .5 · .3 + .5 · 1 = .65 ≥ .5, c rises; other words → .15, b is not moved
        List<RankedCandidate> ranked = rank(CLOSENESS.withReuseShape(ReuseShape.LINEAR.withTextWeight(0.5)));
        assertThat(find(ranked, "c").score()).isCloseTo(0.5 + 0.3, within(1e-6));
        assertThat(find(ranked, "c").contribution()).contains("judged by 1 of 1 similar tasks: 1 useful");
        assertThat(find(ranked, "b").score()).isCloseTo(0.75, within(1e-6));
        // the close task shares no word with the query: .5 · .9 = .45 is below .5 now, d is not moved
        assertThat(find(ranked, "d").score()).isCloseTo(0.25, within(1e-6));
    }

    @Test
    void aShapeOutOfRangeIsRefusedNamingTheField() {
        assertThatThrownBy(() -> new ReuseShape(0, 1, 0)).hasMessageContaining("reuseShape.power");
        assertThatThrownBy(() -> new ReuseShape(1, 1.5, 0)).hasMessageContaining("reuseShape.uselessWeight");
        assertThatThrownBy(() -> new ReuseShape(1, 1, 1)).hasMessageContaining("reuseShape.textWeight");
        assertThatThrownBy(() ->
                        RankerPolicy.fromJson(CLOSENESS.toJson().replace("\"reusePower\":1.0", "\"reusePower\":-2.0")))
                .hasMessageContaining("rankerPolicy.reusePower must be > 0");
    }
}
