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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SelectorBlendTest {

    private static final float[] TRAINED = vec(1, 0, 0);
    private static final double BLEND = 0.8;
    private static final double THRESHOLD = 0.8;

    /** A stand-in for Q(s, c): the case vector's last component is its usefulness; counts its calls. */
    private final AtomicInteger calls = new AtomicInteger();

    private final CaseUsefulness lastComponent = (task, cases) -> {
        calls.incrementAndGet();
        float[] q = new float[cases.size()];
        for (int i = 0; i < q.length; i++) {
            q[i] = cases.get(i)[2];
        }
        return q;
    };

    private SelectorBlend blend() {
        return new SelectorBlend(
                bm25Base(),
                new TrainedSelector(RankingFixtures.TENANT, lastComponent, List.of(TRAINED)),
                BLEND,
                THRESHOLD);
    }

    /** BM25 orders a (10), b (6), c (2): scaled 1, .5, 0. The selector prefers c (.9) to b (.2) to a (.1). */
    private static CandidateLists abc(RecallQuery q) {
        return lists(
                q,
                candidate("a", 1, 10, 0, 0, vec(0.5, 0.5, 0.1)),
                candidate("b", 2, 6, 0, 0, vec(0.5, 0.5, 0.2)),
                candidate("c", 3, 2, 0, 0, vec(0.1, 0.1, 0.9)));
    }

    private List<RankedCandidate> rank(float[] queryVector) {
        RecallQuery q = query(queryVector);
        return blend().rank(q, abc(q));
    }

    @Test
    void aTaskTheSelectorWasTrainedOnIsReRanked() {
        List<RankedCandidate> ranked = rank(vec(1, 0, 0)); // closeness 1: ω = blend
        assertThat(find(ranked, "c").score()).isCloseTo((1 - BLEND) * 0 + BLEND * 0.9, within(1e-6));
        assertThat(find(ranked, "a").score()).isCloseTo((1 - BLEND) * 1 + BLEND * 0.1, within(1e-6));
        assertThat(find(ranked, "b").score()).isCloseTo((1 - BLEND) * 0.5 + BLEND * 0.2, within(1e-6));
        assertThat(ids(ranked)).containsExactly("c", "a", "b");
        assertThat(find(ranked, "c").contribution())
                .endsWith("; base 0.20×0.00 + selector Q 0.80×0.90 (nearest trained task cos 1.00)");
        assertThat(calls).hasValue(1);
    }

    @Test
    void aTaskFarFromEveryTrainedTaskIsNotReRanked() {
        List<RankedCandidate> ranked = rank(vec(0, 1, 0)); // closeness 0, below the threshold
        assertThat(ids(ranked)).containsExactly("a", "b", "c");
        assertThat(ranked).extracting(RankedCandidate::score).containsExactly(1.0, 0.5, 0.0);
        assertThat(ranked.get(0).contribution()).endsWith("selector 0 (nearest trained task cos 0.00, below 0.80)");
        assertThat(calls)
                .as("the selector is not asked about a task it cannot judge")
                .hasValue(0);
    }

    @Test
    void theSelectorsWeightGrowsFromTheThresholdToTheBlend() {
        SelectorBlend b = blend();
        assertThat(b.weightAt(0.5)).isEqualTo(0.0);
        assertThat(b.weightAt(THRESHOLD)).isEqualTo(0.0);
        assertThat(b.weightAt(0.9)).isCloseTo(BLEND * 0.5, within(1e-9));
        assertThat(b.weightAt(1.0)).isCloseTo(BLEND, within(1e-9));
        // closeness .9: ω = .4, half the weight that puts c first on a trained task; here c's
        // .4 × .9 = .36 stays below b's .6 × .5 + .4 × .2 = .38 and a's .64
        float[] near = vec(0.9, Math.sqrt(1 - 0.81), 0);
        List<RankedCandidate> ranked = rank(near);
        assertThat(find(ranked, "c").score()).isCloseTo(0.36, within(1e-6));
        assertThat(find(ranked, "b").score()).isCloseTo(0.38, within(1e-6));
        assertThat(find(ranked, "a").score()).isCloseTo(0.64, within(1e-6));
        assertThat(ids(ranked)).containsExactly("a", "b", "c");
    }

    @Test
    void aCandidateWithoutAVectorKeepsItsBaseScore() {
        RecallQuery q = query(vec(1, 0, 0));
        CandidateLists l = lists(
                q,
                candidate("a", 1, 10, 0, 0, null),
                candidate("b", 2, 6, 0, 0, vec(0, 0, 1)),
                candidate("c", 3, 2, 0, 0, vec(0, 0, 0.5)));
        List<RankedCandidate> ranked = blend().rank(q, l);
        assertThat(find(ranked, "a").score()).isEqualTo(1.0);
        assertThat(find(ranked, "a").contribution()).endsWith("base 1.00 (no case vector for the selector)");
        assertThat(find(ranked, "b").score()).isCloseTo(0.2 * 0.5 + 0.8 * 1, within(1e-6));
        assertThat(ids(ranked)).containsExactly("a", "b", "c");
    }

    @Test
    void withoutAQueryVectorTheOrderIsTheBases() {
        RecallQuery q = RecallQuery.bm25(RankingFixtures.TENANT, "a task", 10);
        assertThat(ids(blend().rank(q, abc(q)))).containsExactly("a", "b", "c");
        assertThat(calls).hasValue(0);
    }

    @Test
    void refusesAnotherTenantsQueryAndBadParameters() {
        RecallQuery other = query("globex", vec(1, 0, 0));
        assertThatThrownBy(() -> blend().rank(other, abc(other))).hasMessageContaining("globex");
        TrainedSelector s = new TrainedSelector("acme", lastComponent, List.of(TRAINED));
        assertThatThrownBy(() -> new SelectorBlend(bm25Base(), s, 1.5, 0.8))
                .hasMessageContaining("selectorBlend.blend");
        assertThatThrownBy(() -> new SelectorBlend(bm25Base(), s, 0.5, 1.0))
                .hasMessageContaining("selectorBlend.threshold");
        assertThatThrownBy(() -> new TrainedSelector("acme", lastComponent, List.of()))
                .hasMessageContaining("trainedSelector.trainedTasks");
    }

    @Test
    void aSelectorThatAnswersOutOfRangeIsAnError() {
        SelectorBlend broken = new SelectorBlend(
                bm25Base(),
                new TrainedSelector("acme", (t, cs) -> new float[] {0.5f, Float.NaN, 0.1f}, List.of(TRAINED)),
                BLEND,
                THRESHOLD);
        RecallQuery q = query(vec(1, 0, 0));
        assertThatThrownBy(() -> broken.rank(q, abc(q)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("case b");
    }
}
