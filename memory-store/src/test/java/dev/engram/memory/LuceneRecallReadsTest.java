package dev.engram.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.memory.internal.RankedRecall;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LuceneCaseStore#recall} reads the stored fields of only the cases it returns (or those its
 * ranker asks for), and returns exactly what ranking the fully read candidates of
 * {@link LuceneCaseStore#candidates} returns: the same cases in the same order, with every field,
 * score and reason.
 */
class LuceneRecallReadsTest {
    @TempDir
    Path tmp;

    private LuceneCaseStore store;

    /**
     * The golden fixture (two tenants, judged cases, a third without a vector), then more acme cases
     * that judge earlier ones after a read has refreshed the searcher: several segments, and counters
     * updated in place in the older one.
     */
    @BeforeEach
    void twoSegments() {
        store = LuceneCaseStore.open(
                tmp.resolve("store"), CaseStoreConfig.defaults().withVectorDimension(RrfGoldenFixture.DIMENSION));
        RrfGoldenFixture.ingest(store);
        assertThat(store.count("acme")).isEqualTo(403);
        Random r = new Random(11);
        List<String> texts = RrfGoldenFixture.texts();
        for (int i = 0; i < 60; i++) {
            List<Judgement> judgements = List.of(new Judgement(
                    String.format(Locale.ROOT, "c%04d", r.nextInt(460)), 1 + r.nextInt(5), r.nextBoolean()));
            store.ingest(
                    new Episode(
                            "late" + i,
                            "acme",
                            "agent-" + i,
                            Instant.parse("2026-02-01T00:00:00Z").plusSeconds(i),
                            texts.get(i % texts.size()) + " late",
                            "plan " + i,
                            i % 3 == 0 ? "" : "outcome " + i,
                            r.nextInt(100) / 100.0,
                            judgements),
                    i % 4 == 0 ? null : SyntheticEpisodes.randomVector(r, RrfGoldenFixture.DIMENSION));
        }
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    private List<RecallQuery> queries() {
        List<RecallQuery> out = new ArrayList<>();
        List<String> texts = RrfGoldenFixture.texts();
        for (int i = 0; i < texts.size(); i++) {
            for (int k : new int[] {1, 10, 60}) {
                out.add(RecallQuery.bm25("acme", texts.get(i), k));
                out.add(RecallQuery.hybrid("acme", texts.get(i), RrfGoldenFixture.vector(i), k));
                out.add(RecallQuery.dense("acme", texts.get(i), RrfGoldenFixture.vector(i), k));
            }
        }
        return out;
    }

    /** What the recall returned when it read every candidate's case before ranking. */
    private RecallResult readingEveryCandidate(RecallQuery q, Ranker ranker) {
        return RankedRecall.assemble(q, store.candidates(q), ranker, store.config(), ids -> {});
    }

    @Test
    void aRecallReturnsWhatRankingTheFullyReadCandidatesReturns() {
        for (Ranker ranker : List.of(store.defaultRanker(), new ReciprocalRankFusion(5), new ByPlanLength())) {
            int returned = 0;
            for (RecallQuery q : queries()) {
                RecallResult expected = readingEveryCandidate(q, ranker);
                RecallResult actual = store.recall(q, ranker);
                assertThat(actual).as("%s, %s", ranker.name(), q).isEqualTo(expected);
                for (ScoredCase s : actual.ranked()) {
                    assertThat(s.match())
                            .as("every field of %s", s.match().caseId())
                            .isEqualTo(store.get("acme", s.match().caseId()).orElseThrow());
                }
                returned += actual.ranked().size();
            }
            assertThat(returned).as("the queries recall something").isGreaterThan(1_000);
        }
    }

    @Test
    void theRankerGetsNoCaseReadAndOnlyTheReturnedCasesAreRead() {
        RecordingRanker ranker = new RecordingRanker(store.defaultRanker());
        RecallQuery q = RecallQuery.hybrid("acme", RrfGoldenFixture.texts().get(0), RrfGoldenFixture.vector(0), 10);

        RecallResult r = store.recall(q, ranker);

        assertThat(ranker.unreadWhenRanked).isTrue();
        assertThat(ranker.seen.size()).isGreaterThan(r.ranked().size());
        List<String> returned = r.ranked().stream().map(s -> s.match().caseId()).toList();
        assertThat(returned).hasSize(10);
        assertThat(ranker.seen.stream().filter(Candidate::isRead).map(Candidate::caseId))
                .containsExactlyInAnyOrderElementsOf(returned);
        Candidate notReturned = ranker.seen.stream()
                .filter(c -> !returned.contains(c.caseId()))
                .findFirst()
                .orElseThrow();
        assertThatThrownBy(notReturned::match)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after the recall ended");
    }

    @Test
    void candidatesStillCarryTheirCases() {
        CandidateLists lists = store.candidates(
                RecallQuery.hybrid("acme", RrfGoldenFixture.texts().get(1), RrfGoldenFixture.vector(1), 10));
        assertThat(lists.candidates()).isNotEmpty().allSatisfy(c -> {
            assertThat(c.isRead()).isTrue();
            assertThat(c.match()).isEqualTo(store.get("acme", c.caseId()).orElseThrow());
        });
    }

    /** A ranker that reads every candidate's case: longest plan first, then by id. */
    private static final class ByPlanLength implements Ranker {
        @Override
        public String name() {
            return "plan-length";
        }

        @Override
        public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
            return candidates.candidates().stream()
                    .map(c -> new RankedCandidate(
                            c,
                            c.match().plan().length() + c.match().timesUseful(),
                            "plan " + c.match().plan()))
                    .sorted(Comparator.comparingDouble(RankedCandidate::score)
                            .reversed()
                            .thenComparing(rc -> rc.candidate().caseId()))
                    .toList();
        }
    }

    /** Delegates, and keeps what it was given and whether any of it had been read. */
    private static final class RecordingRanker implements Ranker {
        private final Ranker delegate;
        List<Candidate> seen = List.of();
        boolean unreadWhenRanked;

        RecordingRanker(Ranker delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
            seen = candidates.candidates();
            unreadWhenRanked = seen.stream().noneMatch(Candidate::isRead);
            return delegate.rank(query, candidates);
        }
    }
}
