package dev.engram.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two stages of a recall, written once for every {@link CaseStore}: the candidate lists of each
 * mode, and a {@link Ranker} that decides the order and shows in each reason.
 */
abstract class RecallRankingContractTest {
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    static final float[] X = {1, 0, 0, 0};

    @TempDir
    Path tmp;

    CaseStore store;

    /** Opens the implementation's store in {@code dir}. */
    protected abstract CaseStore openStore(Path dir, CaseStoreConfig config);

    static Episode episode(String id, String task) {
        return new Episode(id, "acme", "agent", T0, task, "", "", 0.9, List.of());
    }

    /**
     * BM25 for "alpha": d1 (tf 3) > d2 (tf 2) > d3 (tf 1, longer); d4 does not match; d5 matches
     * "zeta" only. Vector for (1,0,0,0): d3 (cos 1) > d1 (0.8) > d4 (0.6) > d2 (0); d5 has none.
     * d2 is ingested at length 3, so its stored unit vector shows the normalisation. globex holds a
     * copy of d1 that acme must never see.
     */
    @BeforeEach
    void fiveCases() {
        store = openStore(tmp.resolve("ranking"), CaseStoreConfig.defaults().withVectorDimension(4));
        store.ingest(episode("d1", "alpha alpha alpha"), new float[] {0.8f, 0.6f, 0, 0});
        store.ingest(episode("d2", "alpha alpha beta"), new float[] {0, 3, 0, 0});
        store.ingest(episode("d3", "alpha beta gamma delta"), X);
        store.ingest(episode("d4", "omega"), new float[] {0.6f, 0.8f, 0, 0});
        store.ingest(episode("d5", "zeta"), null);
        store.ingest(new Episode("g1", "globex", "agent", T0, "alpha alpha alpha", "", "", 0.9, List.of()), X);
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    private static List<String> ids(List<Candidate> candidates) {
        return candidates.stream().map(Candidate::caseId).toList();
    }

    @Test
    void bm25HasTheBm25ListOnlyWithRanksAndScoresAndNoVectors() {
        CandidateLists lists = store.candidates(RecallQuery.bm25("acme", "alpha", 10));
        assertThat(ids(lists.candidates())).containsExactly("d1", "d2", "d3");
        assertThat(lists.vector()).isEmpty();
        assertThat(ids(lists.bm25())).containsExactly("d1", "d2", "d3");
        assertThat(lists.candidates()).extracting(Candidate::bm25Rank).containsExactly(1, 2, 3);
        assertThat(lists.candidates()).allSatisfy(c -> {
            assertThat(c.vectorRank()).isZero();
            assertThat(c.cosine()).isZero();
            assertThat(c.vector()).as("no vector was searched").isNull();
            assertThat(c.match().tenant()).isEqualTo("acme");
        });
        List<Double> scores =
                lists.candidates().stream().map(Candidate::bm25Score).toList();
        assertThat(scores.get(2)).isPositive();
        assertThat(scores).isSortedAccordingTo(Collections.reverseOrder());
        assertThat(lists.candidates().get(0).match())
                .isEqualTo(store.get("acme", "d1").orElseThrow());
        assertThat(lists.query()).isEqualTo(RecallQuery.bm25("acme", "alpha", 10));
    }

    @Test
    void denseHasTheVectorListOnlyWithCosinesAndUnitVectors() {
        CandidateLists lists = store.candidates(RecallQuery.dense("acme", "alpha", new float[] {2, 0, 0, 0}, 10));
        assertThat(ids(lists.candidates())).containsExactly("d3", "d1", "d4", "d2");
        assertThat(lists.bm25()).isEmpty();
        assertThat(lists.candidates()).extracting(Candidate::vectorRank).containsExactly(1, 2, 3, 4);
        assertThat(lists.candidates()).allSatisfy(c -> {
            assertThat(c.bm25Rank()).isZero();
            assertThat(c.bm25Score()).isZero();
        });
        double[] cosines =
                lists.candidates().stream().mapToDouble(Candidate::cosine).toArray();
        assertThat(cosines[0]).isCloseTo(1.0, within(1e-6));
        assertThat(cosines[1]).isCloseTo(0.8, within(1e-6));
        assertThat(cosines[2]).isCloseTo(0.6, within(1e-6));
        assertThat(cosines[3]).isCloseTo(0.0, within(1e-6));
        assertThat(lists.candidates().get(0).vector()).containsExactly(1, 0, 0, 0);
        assertThat(lists.candidates().get(1).vector()).containsExactly(new float[] {0.8f, 0.6f, 0, 0}, within(1e-6f));
        assertThat(lists.candidates().get(3).vector())
                .as("stored at unit length")
                .containsExactly(0, 1, 0, 0);
    }

    @Test
    void hybridHasBothListsOneCandidatePerCaseInBm25ThenVectorOrder() {
        CandidateLists lists = store.candidates(RecallQuery.hybrid("acme", "alpha zeta", X, 10));
        // BM25: d1, d2, d5 (zeta is rare), d3 in some order of scores; vector: d3, d1, d4, d2
        assertThat(ids(lists.vector())).containsExactly("d3", "d1", "d4", "d2");
        assertThat(ids(lists.bm25())).containsExactlyInAnyOrder("d1", "d2", "d3", "d5");
        List<String> expected = new ArrayList<>(ids(lists.bm25()));
        expected.add("d4");
        assertThat(ids(lists.candidates())).containsExactlyElementsOf(expected);
        Candidate d1 = lists.candidates().stream()
                .filter(c -> c.caseId().equals("d1"))
                .findFirst()
                .orElseThrow();
        assertThat(d1.bm25Rank()).isPositive();
        assertThat(d1.vectorRank()).isEqualTo(2);
        assertThat(d1.cosine()).isCloseTo(0.8, within(1e-6));
        Candidate d5 = lists.candidates().stream()
                .filter(c -> c.caseId().equals("d5"))
                .findFirst()
                .orElseThrow();
        assertThat(d5.vectorRank()).isZero();
        assertThat(d5.vector()).as("d5 has no vector").isNull();
        Candidate d4 = lists.candidates().get(4);
        assertThat(d4.bm25Rank()).isZero();
        assertThat(d4.vector()).containsExactly(new float[] {0.6f, 0.8f, 0, 0}, within(1e-6f));

        // the BM25 part is the very list a BM25-only query gets
        CandidateLists bm25 = store.candidates(RecallQuery.bm25("acme", "alpha zeta", 10));
        assertThat(lists.bm25())
                .extracting(Candidate::caseId, Candidate::bm25Rank, Candidate::bm25Score)
                .containsExactlyElementsOf(bm25.bm25().stream()
                        .map(c -> org.assertj.core.groups.Tuple.tuple(c.caseId(), c.bm25Rank(), c.bm25Score()))
                        .toList());
    }

    @Test
    void aBm25CandidateOfAHybridQueryCarriesItsVectorThoughTheVectorSearchMissedIt() {
        CandidateLists lists =
                store.candidates(RecallQuery.hybrid("acme", "alpha", X, 1).withDepth(1));
        assertThat(ids(lists.candidates())).containsExactly("d1", "d3");
        Candidate d1 = lists.candidates().get(0);
        assertThat(d1.vectorRank()).isZero();
        assertThat(d1.cosine()).isZero();
        assertThat(d1.vector()).containsExactly(new float[] {0.8f, 0.6f, 0, 0}, within(1e-6f));
    }

    @Test
    void eachListStopsAtTheQueryDepth() {
        assertThat(ids(store.candidates(
                                RecallQuery.hybrid("acme", "alpha", X, 1).withDepth(2))
                        .candidates()))
                .containsExactly("d1", "d2", "d3");
        assertThat(ids(store.candidates(RecallQuery.dense("acme", "alpha", X, 1).withDepth(2))
                        .candidates()))
                .containsExactly("d3", "d1");
        assertThat(ids(store.candidates(RecallQuery.bm25("acme", "alpha", 2)).candidates()))
                .containsExactly("d1", "d2");
        assertThat(ids(store.candidates(RecallQuery.bm25("acme", "alpha", 1).withDepth(3))
                        .candidates()))
                .containsExactly("d1", "d2", "d3");
        // a deeper list changes what a ranker sees, not what the default ranker returns
        assertThat(store.recall(RecallQuery.bm25("acme", "alpha", 1).withDepth(3))
                        .ranked())
                .extracting(s -> s.match().caseId())
                .containsExactly("d1");
        assertThat(store.recall(RecallQuery.hybrid("acme", "alpha", X, 2).withDepth(2))
                        .ranked()
                        .get(1)
                        .reason())
                .startsWith("bm25 not in top 2 + vector #1 (cos 1.00) → rrf ");
    }

    @Test
    void candidatesAreTheTenantsOnlyAndTheVectorMustFitTheStore() {
        assertThat(ids(store.candidates(RecallQuery.hybrid("globex", "alpha", X, 10))
                        .candidates()))
                .containsExactly("g1");
        assertThat(store.candidates(RecallQuery.hybrid("initech", "alpha", X, 10))
                        .isEmpty())
                .isTrue();
        assertThatThrownBy(() -> store.candidates(RecallQuery.dense("acme", "alpha", new float[] {1, 0, 0}, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("recallQuery.vector")
                .hasMessageContaining("4 dimensions");
        assertThatThrownBy(() -> store.candidates(RecallQuery.dense("acme", "alpha", new float[4], 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zero vector");
    }

    /** Reverses reciprocal-rank fusion's order: the worst fused candidate comes first. */
    static final class ReversedRanker implements Ranker {
        @Override
        public String name() {
            return "reversed";
        }

        @Override
        public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
            List<RankedCandidate> fused = new ArrayList<>(new ReciprocalRankFusion().rank(query, candidates));
            Collections.reverse(fused);
            List<RankedCandidate> out = new ArrayList<>();
            for (int i = 0; i < fused.size(); i++) {
                out.add(new RankedCandidate(
                        fused.get(i).candidate(), fused.size() - i, "reversed " + (i + 1) + "/" + fused.size()));
            }
            return out;
        }
    }

    @Test
    void aRankerDecidesTheOrderAndItsContributionIsInTheReason() {
        RecallQuery q = RecallQuery.hybrid("acme", "alpha", X, 10);
        List<String> fused =
                store.recall(q).ranked().stream().map(s -> s.match().caseId()).toList();
        assertThat(fused).containsExactly("d1", "d3", "d2", "d4");

        RecallResult reversed = store.recall(q, new ReversedRanker());
        assertThat(reversed.ranked()).extracting(s -> s.match().caseId()).containsExactly("d4", "d2", "d3", "d1");
        assertThat(reversed.ranked()).extracting(ScoredCase::score).containsExactly(4.0, 3.0, 2.0, 1.0);
        assertThat(reversed.ranked().get(0).reason())
                .isEqualTo("bm25 not in top 100 + vector #3 (cos 0.60) → reversed 1/4; reward 0.90, not judged yet "
                        + "→ positive");
        assertThat(reversed.ranked().get(3).reason())
                .startsWith("bm25 #1 (")
                .contains("+ vector #2 (cos 0.80) → reversed 4/4;");
        assertThat(reversed.positives()).extracting(s -> s.match().caseId()).containsExactly("d4", "d2", "d3", "d1");

        // the top k are the ranker's top k
        assertThat(store.recall(RecallQuery.hybrid("acme", "alpha", X, 2), new ReversedRanker())
                        .ranked())
                .extracting(s -> s.match().caseId())
                .containsExactly("d4", "d2");
        assertThat(store.recall(RecallQuery.hybrid("acme", "alpha", X, 2)).ranked())
                .extracting(s -> s.match().caseId())
                .containsExactly("d1", "d3");
    }

    @Test
    void theDefaultRankerIsReciprocalRankFusion() {
        assertThat(store.defaultRanker()).isEqualTo(new ReciprocalRankFusion());
        for (RecallQuery q : List.of(
                RecallQuery.hybrid("acme", "alpha", X, 10),
                RecallQuery.bm25("acme", "alpha", 10),
                RecallQuery.dense("acme", "alpha", X, 10))) {
            assertThat(store.recall(q, new ReciprocalRankFusion()))
                    .as(q.mode().wireName())
                    .isEqualTo(store.recall(q));
        }
    }

    @Test
    void aRankerThatInventsOrRepeatsACaseIsRefused() {
        RecallQuery q = RecallQuery.hybrid("acme", "alpha", X, 10);
        Ranker repeats = new Ranker() {
            @Override
            public String name() {
                return "stutter";
            }

            @Override
            public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
                RankedCandidate first =
                        new ReciprocalRankFusion().rank(query, candidates).get(0);
                return List.of(first, first);
            }
        };
        assertThatThrownBy(() -> store.recall(q, repeats))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ranker stutter returned case d1 twice");
        Ranker invents = new Ranker() {
            @Override
            public String name() {
                return "dreamer";
            }

            @Override
            public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
                return List.of(new RankedCandidate(ReciprocalRankFusionTest.candidate("nowhere", 1, 0), 1, "dream"));
            }
        };
        assertThatThrownBy(() -> store.recall(q, invents))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(
                        "ranker dreamer returned case nowhere, which is not one of the query's candidates");
    }
}
