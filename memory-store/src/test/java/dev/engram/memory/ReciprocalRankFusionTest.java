package dev.engram.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReciprocalRankFusionTest {
    private static final RecallQuery HYBRID = RecallQuery.hybrid("acme", "task", new float[] {1, 0}, 10);

    static Candidate candidate(String id, int bm25Rank, int vectorRank) {
        Case c = new Case(id, "acme", "", "task " + id, "", "", 0.9, Instant.EPOCH, Instant.EPOCH, 0, 0);
        return new Candidate(
                c,
                bm25Rank,
                bm25Rank == 0 ? 0 : 10.0 / bm25Rank,
                vectorRank,
                vectorRank == 0 ? 0 : 1.0 / vectorRank,
                null);
    }

    private static List<String> ids(List<RankedCandidate> ranked) {
        return ranked.stream().map(r -> r.candidate().caseId()).toList();
    }

    @Test
    void scoresAreTheSumOfReciprocalRanksWithTheContributionForTheReason() {
        List<RankedCandidate> ranked = new ReciprocalRankFusion()
                .rank(
                        HYBRID,
                        new CandidateLists(
                                HYBRID,
                                List.of(
                                        candidate("a", 1, 2),
                                        candidate("b", 2, 0),
                                        candidate("c", 0, 1),
                                        candidate("d", 3, 3))));
        assertThat(ids(ranked)).containsExactly("a", "d", "c", "b");
        assertThat(ranked.get(0).score()).isEqualTo(1.0 / 61 + 1.0 / 62);
        assertThat(ranked.get(1).score()).isEqualTo(1.0 / 63 + 1.0 / 63);
        assertThat(ranked.get(2).score()).isEqualTo(1.0 / 61);
        assertThat(ranked.get(3).score()).isEqualTo(1.0 / 62);
        assertThat(ranked.get(0).contribution()).isEqualTo("rrf 0.0325");
        assertThat(ranked.get(1).contribution()).isEqualTo("rrf 0.0317");
        assertThat(ranked).allSatisfy(r -> assertThat(r.contribution()).startsWith("rrf "));
    }

    @Test
    void tiesGoToTheBetterSingleRankThenToTheCaseId() {
        // z and y: 1/61 + 1/65 each, best rank 1; x: 1/62 + 1/64 is a little less; w and v: 1/61 alone
        List<RankedCandidate> ranked = new ReciprocalRankFusion()
                .rank(
                        HYBRID,
                        new CandidateLists(
                                HYBRID, List.of(candidate("x", 2, 4), candidate("z", 1, 5), candidate("y", 5, 1))));
        assertThat(ranked.get(0).score()).isEqualTo(ranked.get(1).score());
        assertThat(ids(ranked)).containsExactly("y", "z", "x");

        RecallQuery q = RecallQuery.hybrid("acme", "task", new float[] {1, 0}, 10);
        List<RankedCandidate> sameRank = new ReciprocalRankFusion()
                .rank(q, new CandidateLists(q, List.of(candidate("w", 1, 0), candidate("v", 0, 1))));
        assertThat(ids(sameRank)).containsExactly("v", "w");
    }

    @Test
    void aSingleListFusedIsItsOwnOrder() {
        RecallQuery bm25 = RecallQuery.bm25("acme", "task", 10);
        List<Candidate> list = List.of(candidate("q", 1, 0), candidate("p", 2, 0), candidate("r", 3, 0));
        assertThat(ids(new ReciprocalRankFusion(1).rank(bm25, new CandidateLists(bm25, list))))
                .containsExactly("q", "p", "r");
        RecallQuery dense = RecallQuery.dense("acme", "task", new float[] {1, 0}, 10);
        List<Candidate> vectors = List.of(candidate("r", 0, 3), candidate("q", 0, 1), candidate("p", 0, 2));
        assertThat(ids(new ReciprocalRankFusion().rank(dense, new CandidateLists(dense, vectors))))
                .containsExactly("q", "p", "r");
    }

    @Test
    void kIsConfigurableAndChecked() {
        RankedCandidate top = new ReciprocalRankFusion(10)
                .rank(HYBRID, new CandidateLists(HYBRID, List.of(candidate("a", 1, 1))))
                .get(0);
        assertThat(top.score()).isEqualTo(2.0 / 11);
        assertThat(top.contribution()).isEqualTo("rrf 0.1818");
        assertThat(new ReciprocalRankFusion().k()).isEqualTo(60);
        assertThat(new ReciprocalRankFusion().name()).isEqualTo("rrf");
        assertThat(new ReciprocalRankFusion(60)).isEqualTo(new ReciprocalRankFusion());
        assertThatThrownBy(() -> new ReciprocalRankFusion(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reciprocalRankFusion.k must be >= 1");
        assertThat(new ReciprocalRankFusion().rank(HYBRID, new CandidateLists(HYBRID, List.of())))
                .isEmpty();
    }
}
