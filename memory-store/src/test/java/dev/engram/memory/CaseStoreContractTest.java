package dev.engram.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link CaseStore} contract, written once; every implementation runs it by extending this
 * class. Uses real storage under a temporary directory.
 */
abstract class CaseStoreContractTest {
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path tmp;

    final MutableClock clock = new MutableClock(T0);
    private final List<CaseStore> opened = new ArrayList<>();

    /** Opens (or reopens) the implementation's store in {@code dir}. */
    protected abstract CaseStore openStore(Path dir, CaseStoreConfig config);

    /**
     * Kills {@code store} the way a crashed process dies (no commit, no close) and opens a store on
     * what the crash left on disk.
     */
    protected abstract CaseStore crashAndReopen(CaseStore store, Path dir, CaseStoreConfig config) throws Exception;

    CaseStoreConfig config(int dimension) {
        return CaseStoreConfig.defaults().withVectorDimension(dimension).withClock(clock);
    }

    CaseStore open(Path dir, CaseStoreConfig config) {
        CaseStore s = openStore(dir, config);
        opened.add(s);
        return s;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (CaseStore s : opened) {
            try {
                s.close();
            } catch (IllegalStateException alreadyDead) {
                // a crashed store
            }
        }
    }

    static Episode episode(String id, String tenant, String task, double reward, Judgement... judgements) {
        return new Episode(id, tenant, "agent", T0, task, "", "", reward, List.of(judgements));
    }

    /** Every case of every synthetic tenant, as a sorted map, plus the counts. */
    static Map<String, Object> snapshot(CaseStore store) {
        Map<String, Object> s = new TreeMap<>();
        for (String t : SyntheticEpisodes.TENANTS) {
            s.put("count/" + t, store.count(t));
            for (Case c : store.cases(t)) {
                s.put(t + "/" + c.caseId(), c);
            }
        }
        return s;
    }

    static void assertStats(CaseStore store, SyntheticEpisodes stream) {
        stream.expectedStats.forEach((key, expected) -> {
            String[] parts = key.split("/", 2);
            Case c = store.get(parts[0], parts[1]).orElseThrow(() -> new AssertionError("missing case " + key));
            assertThat(new long[] {c.timesRecalled(), c.timesUseful()}).as(key).containsExactly(expected);
        });
    }

    @Test
    void replayingTheSameEpisodesThreeTimesGivesTheSameStoreWithStatsCountedOnce() throws Exception {
        Path dir = tmp.resolve("replay");
        CaseStoreConfig config = config(8);
        SyntheticEpisodes stream = new SyntheticEpisodes(500, 8, config.positiveRewardThreshold(), 42);
        CaseStore store = open(dir, config);
        for (int i = 0; i < stream.episodes.size(); i++) {
            Episode e = stream.episodes.get(i);
            assertThat(store.ingest(e, stream.vectors.get(i)))
                    .as("first delivery of %s", e.eventId())
                    .isTrue();
            if (i % 7 == 0) { // a duplicate inside the uncommitted, unrefreshed window
                assertThat(store.ingest(e, stream.vectors.get(i)))
                        .as("duplicate of %s", e.eventId())
                        .isFalse();
            }
            if (i == 249) {
                store.commit(Map.of("offset", "250"));
            }
        }
        assertThat(store.unknownJudgements()).isEqualTo(stream.expectedUnknown);
        Map<String, Object> first = snapshot(store);
        assertThat(first).hasSize(500 + SyntheticEpisodes.TENANTS.length);
        assertStats(store, stream);

        for (int i = 0; i < stream.episodes.size(); i++) { // second pass: half committed, half not
            assertThat(store.ingest(stream.episodes.get(i), stream.vectors.get(i)))
                    .isFalse();
        }
        assertThat(snapshot(store)).isEqualTo(first);
        store.commit(Map.of("offset", "500"));
        assertThat(store.uncommittedEvents()).isZero();
        store.close();

        CaseStore reopened = open(dir, config);
        for (int i = 0; i < stream.episodes.size(); i++) { // third pass, across a reopen
            assertThat(reopened.ingest(stream.episodes.get(i), stream.vectors.get(i)))
                    .isFalse();
        }
        assertThat(reopened.uncommittedEvents()).isZero();
        assertThat(reopened.unknownJudgements()).isZero();
        assertThat(snapshot(reopened)).isEqualTo(first);
        assertStats(reopened, stream);
    }

    @Test
    void judgementsUpdateStatisticsOncePerEventIncludingNullUsefulByReward() {
        CaseStore store = open(tmp.resolve("stats"), config(8));
        store.ingest(episode("a", "acme", "shock wave on a cone", 0.9), null);
        store.ingest(episode("b", "acme", "laminar boundary layer", 0.9), null);
        List<Episode> judging = List.of(
                new Episode(
                        "e1",
                        "acme",
                        "x",
                        T0.plusSeconds(10),
                        "task one",
                        "",
                        "",
                        0.1,
                        List.of(new Judgement("a", 1, true), new Judgement("b", 2, false))),
                new Episode(
                        "e2",
                        "acme",
                        "x",
                        T0.plusSeconds(20),
                        "task two",
                        "",
                        "",
                        0.8,
                        List.of(new Judgement("a", 1, null))), // null + reward 0.8 -> useful
                new Episode(
                        "e3",
                        "acme",
                        "x",
                        T0.plusSeconds(30),
                        "task three",
                        "",
                        "",
                        0.2,
                        List.of(new Judgement("a", 1, null))), // null + reward 0.2 -> not useful
                new Episode(
                        "e4",
                        "acme",
                        "x",
                        T0.plusSeconds(5),
                        "task four",
                        "",
                        "",
                        0.7,
                        List.of(new Judgement("nope", 1, true), new Judgement("a", 2, false))));
        for (int round = 0; round < 3; round++) {
            for (Episode e : judging) {
                assertThat(store.ingest(e, null)).isEqualTo(round == 0);
            }
            if (round == 1) {
                store.commit();
            }
        }
        Case a = store.get("acme", "a").orElseThrow();
        assertThat(a.timesRecalled()).isEqualTo(4);
        assertThat(a.timesUseful()).isEqualTo(2);
        assertThat(a.updatedAt()).isEqualTo(T0.plusSeconds(30)); // latest judging episode, not arrival order
        Case b = store.get("acme", "b").orElseThrow();
        assertThat(b.timesRecalled()).isEqualTo(1);
        assertThat(b.timesUseful()).isZero();
        assertThat(b.updatedAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(store.unknownJudgements()).isEqualTo(1);
        assertThat(store.get("acme", "nope")).isEmpty();
    }

    @Test
    void tenantsNeverSeeEachOthersCasesInBm25VectorOrJudgements() {
        CaseStore store = open(tmp.resolve("tenants"), config(4));
        float[] v = {1, 0, 0, 0};
        for (int i = 0; i < 5; i++) {
            store.ingest(episode("acme-" + i, "acme", "supersonic flutter of a heated panel", 0.9), v);
            store.ingest(episode("globex-" + i, "globex", "supersonic flutter of a heated panel", 0.9), v);
        }
        // the same event id in two tenants is two cases; a judgement only reaches its own tenant
        assertThat(store.ingest(episode("shared", "acme", "supersonic flutter", 0.9), v))
                .isTrue();
        assertThat(store.ingest(episode("shared", "globex", "supersonic flutter", 0.9), v))
                .isTrue();
        store.ingest(episode("judge", "globex", "x", 0.9, new Judgement("acme-0", 1, true)), null);
        assertThat(store.unknownJudgements()).isEqualTo(1);
        assertThat(store.get("acme", "acme-0").orElseThrow().timesRecalled()).isZero();

        for (boolean committed : new boolean[] {false, true}) {
            if (committed) {
                store.commit();
            }
            for (String tenant : List.of("acme", "globex")) {
                RecallResult bm25 = store.recall(RecallQuery.bm25(tenant, "heated panel flutter", 50));
                RecallResult hybrid = store.recall(RecallQuery.hybrid(tenant, "heated panel flutter", v, 50));
                RecallResult vectorOnly = store.recall(RecallQuery.dense(tenant, "heated panel flutter", v, 50));
                for (RecallResult r : List.of(bm25, hybrid, vectorOnly)) {
                    assertThat(r.ranked()).hasSize(6);
                    assertThat(r.ranked())
                            .allSatisfy(s -> assertThat(s.match().tenant()).isEqualTo(tenant));
                }
            }
        }
        assertThat(store.get("globex", "acme-0")).isEmpty();
        assertThat(store.count("acme")).isEqualTo(6);
        assertThat(store.count("globex")).isEqualTo(7);
        assertThat(store.tenants()).containsExactly("acme", "globex");
        store.deleteTenant("globex");
        assertThat(store.count("globex")).isZero();
        assertThat(store.count("acme")).isEqualTo(6);
        assertThat(store.tenants()).as("a tenant whose cases were deleted").containsExactly("acme");
        assertThat(store.recall(RecallQuery.bm25("globex", "heated panel", 10)).ranked())
                .isEmpty();
    }

    @Test
    void bm25FindsTheRightCaseThroughStemmingAndStopwords() {
        CaseStore store = open(tmp.resolve("bm25"), config(8));
        String[][] corpus = {
            {"c1", "Flutter of a heated wing panel at supersonic speed"},
            {"c2", "Laminar boundary layer transition on a flat plate"},
            {"c3", "Shock wave interaction with a turbulent boundary layer"},
            {"c4", "Heat transfer to a blunt body at hypersonic speed"},
            {"c5", "Buckling of thin cylindrical shells under axial compression"},
            {"c6", "Drag of slender cones in rarefied gas flow"},
        };
        for (String[] c : corpus) {
            store.ingest(
                    new Episode(c[0], "acme", "agent", T0, c[1], "read the literature", "summarised", 0.8, List.of()),
                    null);
        }
        assertThat(top(store, "the heating of wings that flutter")).isEqualTo("c1");
        assertThat(top(store, "buckled cylinders")).isEqualTo("c5");
        assertThat(top(store, "shocks interacting with turbulence")).isEqualTo("c3");
        assertThat(top(store, "transitions of laminar layers")).isEqualTo("c2");
        assertThat(store.recall(RecallQuery.bm25("acme", "the of and a", 5)).ranked())
                .isEmpty();
        assertThat(store.recall(RecallQuery.bm25("acme", "flutter", 5))
                        .ranked()
                        .get(0)
                        .reason())
                .startsWith("bm25 #1 (")
                .contains("→ rrf 0.0164")
                .endsWith("→ positive");
    }

    private static String top(CaseStore store, String text) {
        return store.recall(RecallQuery.bm25("acme", text, 3))
                .ranked()
                .get(0)
                .match()
                .caseId();
    }

    @Test
    void hybridRecallOrdersByReciprocalRankFusionComputedByHand() {
        CaseStore store = open(tmp.resolve("rrf"), config(4));
        // BM25 for "alpha": d1 (tf 3) > d2 (tf 2) > d3 (tf 1, longer); d4, d5 do not match.
        // Vector for (1,0,0,0): d3 (cos 1) > d1 (0.8) > d4 (0.6) > d2 (0); d5 has no vector.
        store.ingest(episode("d1", "acme", "alpha alpha alpha", 0.9), new float[] {0.8f, 0.6f, 0, 0});
        store.ingest(episode("d2", "acme", "alpha alpha beta", 0.9), new float[] {0, 1, 0, 0});
        store.ingest(episode("d3", "acme", "alpha beta gamma delta", 0.9), new float[] {1, 0, 0, 0});
        store.ingest(episode("d4", "acme", "omega", 0.9), new float[] {0.6f, 0.8f, 0, 0});
        store.ingest(episode("d5", "acme", "zeta", 0.9), null);

        RecallResult bm25 = store.recall(RecallQuery.bm25("acme", "alpha", 10));
        assertThat(bm25.ranked()).extracting(s -> s.match().caseId()).containsExactly("d1", "d2", "d3");

        RecallResult r = store.recall(RecallQuery.hybrid("acme", "alpha", new float[] {2, 0, 0, 0}, 10));
        double k = 60;
        double d1 = 1 / (k + 1) + 1 / (k + 2);
        double d3 = 1 / (k + 3) + 1 / (k + 1);
        double d2 = 1 / (k + 2) + 1 / (k + 4);
        double d4 = 1 / (k + 3);
        assertThat(r.ranked()).extracting(s -> s.match().caseId()).containsExactly("d1", "d3", "d2", "d4");
        assertThat(r.ranked()).extracting(ScoredCase::score).containsExactly(d1, d3, d2, d4);
        assertThat(r.ranked().get(1).reason()).startsWith("bm25 #3 (").contains("+ vector #1 (cos 1.00)");
        assertThat(r.ranked().get(3).reason()).startsWith("bm25 not in top 100 + vector #3 (cos 0.60)");
        assertThat(store.recall(RecallQuery.hybrid("acme", "alpha", new float[] {1, 0, 0, 0}, 2))
                        .ranked())
                .extracting(s -> s.match().caseId())
                .containsExactly("d1", "d3");
        assertThatThrownBy(() -> store.recall(RecallQuery.hybrid("acme", "alpha", new float[] {1, 0, 0}, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 dimensions");
    }

    @Test
    void recallSplitsPositivesAndNegativesByRewardAndJudgedUsefulness() {
        CaseStore store = open(tmp.resolve("split"), config(8));
        store.ingest(episode("good", "acme", "nozzle flow good", 0.9), null);
        store.ingest(episode("bad", "acme", "nozzle flow bad", 0.3), null);
        store.ingest(episode("edge", "acme", "nozzle flow edge", 0.5), null);
        store.ingest(episode("useless", "acme", "nozzle flow useless", 0.9), null);
        store.ingest(episode("young", "acme", "nozzle flow young", 0.9), null);
        for (int i = 0; i < 4; i++) { // useless: 1 of 4 useful; young: 0 of 2 (too few to judge)
            Judgement u = new Judgement("useless", 1, i == 0);
            Judgement y = new Judgement("young", 2, false);
            store.ingest(
                    episode("j" + i, "acme", "unrelated", 0.9, i < 2 ? new Judgement[] {u, y} : new Judgement[] {u}),
                    null);
        }
        RecallResult r = store.recall(RecallQuery.bm25("acme", "nozzle flow", 10));
        assertThat(r.ranked()).hasSize(5);
        assertThat(r.positives())
                .extracting(s -> s.match().caseId())
                .containsExactlyInAnyOrder("good", "edge", "young");
        assertThat(r.negatives()).extracting(s -> s.match().caseId()).containsExactlyInAnyOrder("bad", "useless");
        List<ScoredCase> merged = new ArrayList<>(r.ranked());
        merged.removeIf(s -> !r.positives().contains(s));
        assertThat(merged).isEqualTo(r.positives()); // ranked order kept inside each part
        ScoredCase useless = r.negatives().stream()
                .filter(s -> s.match().caseId().equals("useless"))
                .findFirst()
                .orElseThrow();
        assertThat(useless.reason()).contains("useful 1/4").endsWith("negative (mostly judged useless)");
    }

    @Test
    void reopenAfterACrashWithoutCommitShowsExactlyTheLastCommit() throws Exception {
        Path dir = tmp.resolve("crash");
        CaseStoreConfig config = config(8).withCommitEveryEvents(1_000_000);
        SyntheticEpisodes stream = new SyntheticEpisodes(300, 8, config.positiveRewardThreshold(), 7);
        CaseStore store = open(dir, config);
        for (int i = 0; i < 200; i++) {
            store.ingest(stream.episodes.get(i), stream.vectors.get(i));
        }
        store.commit(Map.of("engram.feedback-0", "200"));
        Map<String, Object> atCommit = snapshot(store);
        for (int i = 200; i < 300; i++) {
            store.ingest(stream.episodes.get(i), stream.vectors.get(i));
        }
        assertThat(store.count("acme") + store.count("globex")).isEqualTo(300);

        CaseStore reopened = crashAndReopen(store, dir, config);
        opened.add(reopened);
        assertThat(reopened.committedData()).isEqualTo(Map.of("engram.feedback-0", "200"));
        assertThat(snapshot(reopened)).isEqualTo(atCommit);
        int replayedFrom = Integer.parseInt(reopened.committedData().get("engram.feedback-0"));
        for (int i = 0; i < 300; i++) { // the consumer replays from the committed offset (and a bit before)
            boolean applied = reopened.ingest(stream.episodes.get(i), stream.vectors.get(i));
            assertThat(applied).isEqualTo(i >= replayedFrom);
        }
        assertStats(reopened, stream);
    }

    @Test
    void commitDataRoundTripsThroughCloseAndReopen() throws Exception {
        Path dir = tmp.resolve("commitdata");
        CaseStore store = open(dir, config(8));
        assertThat(store.committedData()).isEmpty();
        store.ingest(episode("a", "acme", "text", 0.5), null);
        store.commit(Map.of("engram.feedback-0", "17", "engram.feedback-1", "4"));
        store.commit(); // keeps the data
        assertThat(store.committedData()).isEqualTo(Map.of("engram.feedback-0", "17", "engram.feedback-1", "4"));
        store.close();
        CaseStore reopened = open(dir, config(8));
        assertThat(reopened.committedData()).isEqualTo(Map.of("engram.feedback-0", "17", "engram.feedback-1", "4"));
        reopened.commit(Map.of("engram.feedback-0", "18"));
        reopened.close();
        assertThat(open(dir, config(8)).committedData()).isEqualTo(Map.of("engram.feedback-0", "18"));
    }

    @Test
    void commitPolicyCommitsEveryNEvents() {
        CaseStore store = open(
                tmp.resolve("policy-n"), config(8).withCommitEveryEvents(10).withCommitInterval(Duration.ofHours(1)));
        assertThat(store.commitIfDue()).isFalse();
        for (int i = 0; i < 9; i++) {
            store.ingest(episode("e" + i, "acme", "text " + i, 0.5), null);
            store.ingest(episode("e" + i, "acme", "text " + i, 0.5), null); // duplicates do not count
            assertThat(store.commitIfDue()).isFalse();
        }
        assertThat(store.uncommittedEvents()).isEqualTo(9);
        store.ingest(episode("e9", "acme", "text 9", 0.5), null);
        assertThat(store.commitIfDue(Map.of("offset", "10"))).isTrue();
        assertThat(store.uncommittedEvents()).isZero();
        assertThat(store.committedData()).isEqualTo(Map.of("offset", "10"));
        assertThat(store.commitIfDue()).isFalse();
    }

    @Test
    void commitPolicyCommitsWhenChangesAreOlderThanTheIntervalOnTheInjectedClock() {
        CaseStore store = open(
                tmp.resolve("policy-t"),
                config(8).withCommitEveryEvents(1000).withCommitInterval(Duration.ofSeconds(1)));
        clock.advance(Duration.ofMinutes(5));
        assertThat(store.commitIfDue()).as("nothing to commit").isFalse();
        store.ingest(episode("e1", "acme", "text", 0.5), null);
        clock.advance(Duration.ofMillis(999));
        store.ingest(episode("e2", "acme", "text", 0.5), null);
        assertThat(store.commitIfDue()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(store.commitIfDue()).isTrue();
        assertThat(store.uncommittedEvents()).isZero();
        clock.advance(Duration.ofSeconds(10));
        assertThat(store.commitIfDue()).isFalse();
    }

    @Test
    void quantizedVectorsFindTheNearestCaseAndSurviveReopen() throws Exception {
        Path dir = tmp.resolve("quantized");
        CaseStoreConfig config = config(32).withQuantizedVectors(true);
        CaseStore store = open(dir, config);
        Random r = new Random(3);
        List<float[]> vectors = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            float[] v = SyntheticEpisodes.randomVector(r, 32);
            vectors.add(v);
            store.ingest(episode("q" + i, "acme", "case " + i, 0.9), v);
        }
        store.commit();
        store.close();
        CaseStore reopened = open(dir, config);
        for (int i = 0; i < 200; i += 20) {
            RecallResult res = reopened.recall(RecallQuery.dense("acme", "case " + i, vectors.get(i), 3));
            assertThat(res.ranked().get(0).match().caseId()).isEqualTo("q" + i);
            assertThat(res.ranked().get(0).reason())
                    .contains("+ vector #1 (cos ")
                    .doesNotContain("bm25 #");
        }
    }

    @Test
    void updateVectorReplacesTheVectorAndKeepsCaseAndStatistics() {
        CaseStore store = open(tmp.resolve("reembed"), config(4));
        store.ingest(episode("a", "acme", "alpha", 0.9), new float[] {1, 0, 0, 0});
        store.ingest(episode("b", "acme", "beta", 0.9), new float[] {0, 1, 0, 0});
        store.ingest(episode("j", "acme", "gamma", 0.9, new Judgement("a", 1, true)), null);
        Case before = store.get("acme", "a").orElseThrow();
        assertThat(store.updateVector("acme", "a", new float[] {0, 0, 1, 0})).isTrue();
        assertThat(store.updateVector("globex", "a", new float[] {0, 0, 1, 0})).isFalse();
        assertThat(store.get("acme", "a")).contains(before);
        RecallResult r = store.recall(RecallQuery.dense("acme", "alpha", new float[] {0, 0, 1, 0}, 1));
        assertThat(r.ranked().get(0).match().caseId()).isEqualTo("a");
        store.ingest(episode("j2", "acme", "delta", 0.9, new Judgement("a", 1, true)), null);
        assertThat(store.get("acme", "a").orElseThrow().timesUseful()).isEqualTo(2);
    }

    @Test
    void casesWithoutAVectorAreListedUntilTheyGetOneAndSurviveAReopen() throws Exception {
        CaseStore store = open(tmp.resolve("later-vectors"), config(4));
        store.ingest(episode("a", "acme", "alpha", 0.9), new float[] {1, 0, 0, 0});
        store.ingest(episode("c", "acme", "gamma", 0.9), null);
        store.ingest(episode("b", "acme", "beta", 0.9), null);
        store.ingest(episode("x", "globex", "beta", 0.9), null);
        assertThat(store.tenants()).containsExactly("acme", "globex");
        assertThat(store.casesWithoutVector("acme", 10))
                .extracting(Case::caseId)
                .containsExactly("b", "c");
        assertThat(store.casesWithoutVector("acme", 1)).extracting(Case::caseId).containsExactly("b");
        assertThat(store.countWithVector("acme")).isEqualTo(1);
        // BM25 finds a case before it has a vector
        assertThat(store.recall(RecallQuery.bm25("acme", "gamma", 1))
                        .ranked()
                        .get(0)
                        .match()
                        .caseId())
                .isEqualTo("c");

        assertThat(store.updateVector("acme", "b", new float[] {0, 1, 0, 0})).isTrue();
        assertThat(store.casesWithoutVector("acme", 10))
                .extracting(Case::caseId)
                .containsExactly("c");
        assertThat(store.countWithVector("acme")).isEqualTo(2);
        store.commit();
        store.close();

        CaseStore reopened = open(tmp.resolve("later-vectors"), config(4));
        assertThat(reopened.casesWithoutVector("acme", 10))
                .extracting(Case::caseId)
                .containsExactly("c");
        assertThat(reopened.casesWithoutVector("globex", 10))
                .extracting(Case::caseId)
                .containsExactly("x");
        assertThat(reopened.recall(RecallQuery.dense("acme", "beta", new float[] {0, 1, 0, 0}, 1))
                        .ranked()
                        .get(0)
                        .match()
                        .caseId())
                .isEqualTo("b");
        assertThatThrownBy(() -> reopened.casesWithoutVector("acme", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit");
        reopened.close();
    }

    @Test
    void clearEmptiesEveryTenantSoTheStreamCanBeReplayedIntoIt() {
        CaseStore store = open(tmp.resolve("clear"), config(8));
        store.ingest(episode("a", "acme", "alpha", 0.9), null);
        store.ingest(episode("b", "globex", "beta", 0.9), null);
        store.commit();
        store.clear();
        assertThat(store.count("acme") + store.count("globex")).isZero();
        assertThat(store.ingest(episode("a", "acme", "alpha", 0.9), null)).isTrue();
        assertThat(store.count("acme")).isEqualTo(1);
    }

    // Re-embedding. Query: text "beta" (BM25 finds b only) + vector (1,0,0,0); RRF k = 60.
    // Old vectors: a (1,0,0,0) cos 1, b (0.6,0.8,0,0) cos 0.6, c (0,1,0,0) cos 0 -> kNN a, b, c
    //   -> b = 1/61 + 1/62, a = 1/61, c = 1/63: order b, a, c.
    // New vectors: a (0,1,0,0) cos 0, b as before, c (1,0,0,0) cos 1 -> kNN c, b, a: order b, c, a.
    static final float[] X = {1, 0, 0, 0};
    static final float[] Y = {0, 1, 0, 0};
    static final float[] XY = {0.6f, 0.8f, 0, 0};
    static final List<String> OLD_ORDER = List.of("b", "a", "c");
    static final List<String> NEW_ORDER = List.of("b", "c", "a");

    void ingestAbc(CaseStore store, String tenant) {
        store.ingest(episode("a", tenant, "alpha", 0.9), X);
        store.ingest(episode("b", tenant, "beta", 0.9), XY);
        store.ingest(episode("c", tenant, "gamma", 0.9, new Judgement("a", 1, true)), Y);
    }

    static List<String> hybrid(CaseStore store, String tenant) {
        return store.recall(RecallQuery.hybrid(tenant, "beta", X, 10)).ranked().stream()
                .map(s -> s.match().caseId())
                .toList();
    }

    /**
     * Each hit as "id score reason" without the BM25 score: rewriting documents leaves deleted ones
     * behind, which shifts BM25's corpus statistics (not ranks); the vector part must not change.
     */
    static List<String> hits(CaseStore store, String tenant) {
        return store.recall(RecallQuery.hybrid(tenant, "beta", X, 10)).ranked().stream()
                .map(s -> s.match().caseId() + " " + s.score() + " "
                        + s.reason().replaceAll("bm25 #(\\d+) \\([0-9.]+\\)", "bm25 #$1") + " "
                        + s.match().timesUseful())
                .toList();
    }

    static void putNewVectors(VectorReembedding r) {
        assertThat(r.put("a", Y)).isTrue();
        assertThat(r.put("b", XY)).isTrue();
        assertThat(r.put("c", X)).isTrue();
    }

    @Test
    void reembeddingSwitchesAtomicallyOnCommitSurvivesReopenAndLeavesOtherTenantsAlone() throws Exception {
        Path dir = tmp.resolve("reembed-switch");
        CaseStore store = open(dir, config(4));
        ingestAbc(store, "acme");
        ingestAbc(store, "globex");
        store.commit(Map.of("offset", "7"));
        Case a = store.get("acme", "a").orElseThrow();
        assertThat(a.timesUseful()).isEqualTo(1);
        List<String> before = hits(store, "acme");
        assertThat(hybrid(store, "acme")).isEqualTo(OLD_ORDER);

        VectorReembedding r = store.beginReembedding("acme");
        assertThatThrownBy(() -> store.beginReembedding("acme"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already has a re-embedding running");
        assertThat(r.progress()).isEqualTo(new VectorReembedding.Progress(0, 3));
        assertThat(r.put("a", Y)).isTrue();
        assertThat(r.put("zz", Y)).isFalse();
        // between puts a recall sees the old vectors only, with the very same scores and reasons
        assertThat(hits(store, "acme")).isEqualTo(before);
        assertThat(r.put("b", XY)).isTrue();
        assertThat(r.put("c", X)).isTrue();
        assertThat(r.progress()).isEqualTo(new VectorReembedding.Progress(3, 0));
        assertThat(hits(store, "acme")).isEqualTo(before);
        assertThat(store.get("acme", "a")).contains(a);

        r.commit();
        assertThat(r.isFinished()).isTrue();
        assertThat(hybrid(store, "acme")).isEqualTo(NEW_ORDER);
        assertThat(store.recall(RecallQuery.dense("acme", "beta", X, 1))
                        .ranked()
                        .get(0)
                        .reason())
                .contains("vector #1 (cos 1.00)");
        assertThat(hybrid(store, "globex")).isEqualTo(OLD_ORDER);
        assertThat(store.get("acme", "a")).contains(a); // case and statistics untouched
        assertThat(store.committedData()).isEqualTo(Map.of("offset", "7"));
        assertThatThrownBy(() -> r.put("a", X))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already committed or aborted");
        // after the switch ingest and updateVector write the new generation
        store.ingest(episode("d", "acme", "delta", 0.9), new float[] {0, 0, 1, 0});
        assertThat(store.updateVector("acme", "b", new float[] {0, 0, 0, 1})).isTrue();
        assertThat(store.recall(RecallQuery.dense("acme", "alpha", new float[] {0, 0, 1, 0}, 1))
                        .ranked()
                        .get(0)
                        .match()
                        .caseId())
                .isEqualTo("d");
        assertThat(store.recall(RecallQuery.dense("acme", "beta", new float[] {0, 0, 0, 1}, 1))
                        .ranked()
                        .get(0)
                        .match()
                        .caseId())
                .isEqualTo("b");
        store.close();

        CaseStore reopened = open(dir, config(4));
        assertThat(reopened.committedData()).isEqualTo(Map.of("offset", "7"));
        assertThat(reopened.recall(RecallQuery.hybrid("acme", "gamma", X, 10))
                        .ranked()
                        .get(0)
                        .match()
                        .caseId())
                .isEqualTo("c");
        assertThat(hybrid(reopened, "globex")).isEqualTo(OLD_ORDER);
        assertThat(reopened.get("acme", "a").orElseThrow().timesUseful()).isEqualTo(1);
        // a second re-embedding after the reopen goes back to the old vectors
        VectorReembedding again = reopened.beginReembedding("acme");
        again.put("a", X);
        again.put("b", XY);
        again.put("c", Y);
        again.put("d", new float[] {0, 0, 1, 0});
        again.commit();
        assertThat(hybrid(reopened, "acme").subList(0, 3)).isEqualTo(OLD_ORDER);
    }

    @Test
    void recallsRacingAReembeddingSeeEitherAllOldOrAllNewVectors() throws Exception {
        CaseStore store = open(tmp.resolve("reembed-race"), config(4));
        ingestAbc(store, "acme");
        List<String> oldResult = hits(store, "acme");
        VectorReembedding r = store.beginReembedding("acme");
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        List<List<String>> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread writer = new Thread(() -> {
            for (int round = 0; round < 20; round++) {
                putNewVectors(r);
            }
            r.commit();
            done.set(true);
        });
        writer.start();
        while (writer.isAlive()) {
            seen.add(hits(store, "acme"));
        }
        writer.join(60_000);
        assertThat(done).isTrue();
        List<String> newResult = hits(store, "acme");
        assertThat(hybrid(store, "acme")).isEqualTo(NEW_ORDER);
        assertThat(seen).isNotEmpty().allSatisfy(s -> assertThat(s).isIn(oldResult, newResult));
    }

    @Test
    void abortLeavesTheTenantAsItWas() {
        CaseStore store = open(tmp.resolve("reembed-abort"), config(4));
        ingestAbc(store, "acme");
        List<String> before = hits(store, "acme");
        Case a = store.get("acme", "a").orElseThrow();
        VectorReembedding r = store.beginReembedding("acme");
        putNewVectors(r);
        r.abort();
        assertThat(r.isFinished()).isTrue();
        assertThat(hits(store, "acme")).isEqualTo(before);
        assertThat(store.get("acme", "a")).contains(a);
        assertThatThrownBy(r::commit).isInstanceOf(IllegalStateException.class);
        VectorReembedding next = store.beginReembedding("acme");
        assertThat(next.generation()).isGreaterThan(r.generation());
        assertThat(next.progress()).isEqualTo(new VectorReembedding.Progress(0, 3));
        next.abort();
        assertThat(hits(store, "acme")).isEqualTo(before);
    }

    @Test
    void commitIsRefusedWhileCasesThatArrivedDuringTheReembeddingLackANewVector() {
        CaseStore store = open(tmp.resolve("reembed-missing"), config(4));
        ingestAbc(store, "acme");
        VectorReembedding r = store.beginReembedding("acme");
        putNewVectors(r);
        store.ingest(episode("d", "acme", "delta", 0.9), new float[] {0, 0, 1, 0});
        store.ingest(episode("e", "acme", "epsilon", 0.9), null); // no vector: needs none
        assertThat(r.missingCaseIds(10)).containsExactly("d");
        assertThat(r.progress()).isEqualTo(new VectorReembedding.Progress(3, 1));
        assertThatThrownBy(r::commit)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 case(s) of tenant acme have a vector but no new one")
                .hasMessageContaining("missingCaseIds");
        assertThat(r.isFinished()).isFalse();
        assertThat(hybrid(store, "acme").subList(0, 3)).isEqualTo(OLD_ORDER);
        assertThat(store.recall(RecallQuery.dense("acme", "alpha", new float[] {0, 0, 1, 0}, 1))
                        .ranked()
                        .get(0)
                        .match()
                        .caseId())
                .isEqualTo("d");
        assertThat(r.put("d", new float[] {0, 0, 0, 1})).isTrue();
        assertThat(r.missingCaseIds(10)).isEmpty();
        r.commit();
        assertThat(hybrid(store, "acme").subList(0, 3)).isEqualTo(NEW_ORDER);
        assertThat(store.recall(RecallQuery.dense("acme", "beta", new float[] {0, 0, 0, 1}, 1))
                        .ranked()
                        .get(0)
                        .match()
                        .caseId())
                .isEqualTo("d");
        assertThat(store.count("acme")).isEqualTo(5);
    }
}
