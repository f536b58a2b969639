package dev.engram.node.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStore;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.ScoredCase;
import dev.engram.node.registry.ServingAdapter;
import dev.engram.node.testing.HashingEmbedder;
import dev.engram.node.tuning.JudgedRecallLog;
import dev.engram.retriever.ranking.RankerPolicy;
import dev.engram.retriever.ranking.ReuseFit;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A round's proposal on a real Lucene store and a real judged-feedback log. Each topic has a
 * distractor that shares the task's words and an answer that shares none; its training tasks judged
 * the answer useful and the distractor useless. The proposal's similar-task search is fitted by
 * leave-one-out on the training tasks: where a topic was asked twice (two phrasings), each phrasing
 * learns from the other, so the fit reaches that far and a held-out phrasing gains; where every
 * topic was asked once, no training task has a neighbour and the fit stays at the highest threshold.
 */
class PolicyFitterTest {

    private static final String TENANT = "acme";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final int TOPICS = 6;

    @TempDir
    Path dir;

    private final HashingEmbedder embedder = new HashingEmbedder(256);
    private CaseStore store;

    private static String words(int topic) {
        return "alpha" + topic + " bravo" + topic + " charlie" + topic + " delta" + topic;
    }

    @BeforeEach
    void setUp() {
        store = LuceneCaseStore.open(
                dir.resolve("cases"), CaseStoreConfig.defaults().withVectorDimension(256));
        for (int t = 0; t < TOPICS; t++) {
            ingest(new Episode(
                    "distractor-" + t, TENANT, "agent", T0, words(t) + " distractor", "", "", 0.9, List.of()));
            ingest(new Episode(
                    "answer-" + t,
                    TENANT,
                    "agent",
                    T0,
                    "zulu" + t + " yankee" + t + " solution",
                    "",
                    "",
                    0.9,
                    List.of()));
        }
        store.commit();
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    private void ingest(Episode e) {
        store.ingest(e, embedder.embedQuery(e.task()));
    }

    private static Episode judged(String id, String task, int topic) {
        return new Episode(
                id,
                TENANT,
                "agent",
                T0,
                task,
                "",
                "",
                0.9,
                List.of(new Judgement("distractor-" + topic, 1, false), new Judgement("answer-" + topic, 2, true)));
    }

    /** A fitter over a judged log with the given phrasings of every topic as training tasks. */
    private PolicyFitter fitter(String logDir, List<String> phrasings, JudgedTasks[] tasksOut) {
        JudgedRecallLog log = new JudgedRecallLog(dir.resolve(logDir));
        List<Episode> episodes = new ArrayList<>();
        List<String> heldOut = new ArrayList<>();
        for (int t = 0; t < TOPICS; t++) {
            for (String p : phrasings) {
                episodes.add(judged(p + "-" + t, words(t) + " " + p, t));
            }
            episodes.add(judged("held-" + t, words(t) + " heldout", t));
            heldOut.add(words(t) + " heldout");
        }
        log.append(episodes);
        log.recordHeldOut(TENANT, heldOut);
        JudgedTasks judgedTasks = new JudgedTasks(log, CaseStoreConfig.defaults());
        tasksOut[0] = judgedTasks;
        return new PolicyFitter(judgedTasks, this::base, store);
    }

    private ServingAdapter base(String tenant) {
        return ServingAdapter.candidate(tenant, "acme-retriever", 1, embedder, RankerPolicy.untuned());
    }

    private List<String> recall(String task, JudgedTasks judgedTasks, RankerPolicy policy) {
        ServingAdapter version = ServingAdapter.candidate(TENANT, "acme-retriever", 2, embedder, policy);
        return store
                .recall(
                        RecallQuery.hybrid(TENANT, task, embedder.embedQuery(task), 2 * TOPICS),
                        new PolicyRankers(store.defaultRanker(), judgedTasks).ranker(TENANT, version))
                .ranked()
                .stream()
                .map(ScoredCase::match)
                .map(c -> c.caseId())
                .toList();
    }

    @Test
    void tasksAskedInTwoPhrasingsTeachEachOtherSoTheFitReachesAHeldOutPhrasing() {
        JudgedTasks[] judgedTasks = new JudgedTasks[1];
        PolicyFitter fitter = fitter("log-two", List.of("trained", "again"), judgedTasks);

        RankerPolicy proposed =
                RankerPolicy.fromJson(fitter.propose(TENANT, Set.of()).orElseThrow());

        assertThat(proposed.reuse()).isTrue();
        assertThat(proposed.feedback()).isFalse();
        assertThat(proposed.reuseWeighting()).isEqualTo(RankerPolicy.ReuseWeighting.CLOSENESS);
        assertThat(ReuseFit.THRESHOLDS).contains(proposed.reuseThreshold());
        // the phrasings lie at cosine .8: a threshold below that wins
        assertThat(proposed.reuseThreshold()).isLessThan(0.8);
        String heldOut = words(3) + " heldout";
        List<String> untuned = recall(heldOut, judgedTasks[0], RankerPolicy.untuned());
        List<String> reused = recall(heldOut, judgedTasks[0], proposed);
        assertThat(untuned.get(0)).isEqualTo("distractor-3");
        // the answer, which shares no word with the task, rises; the judged-useless distractor sinks
        // (at β 0.5 it stays first: the other cases share no word with the task either)
        assertThat(reused.indexOf("answer-3")).isLessThan(untuned.indexOf("answer-3"));
        assertThat(reused.indexOf("answer-3")).isEqualTo(1);
    }

    @Test
    void tasksWithoutNeighboursLeaveTheSearchAtItsHighestThreshold() {
        JudgedTasks[] judgedTasks = new JudgedTasks[1];
        PolicyFitter fitter = fitter("log-one", List.of("trained"), judgedTasks);

        RankerPolicy proposed =
                RankerPolicy.fromJson(fitter.propose(TENANT, Set.of()).orElseThrow());

        assertThat(proposed.reuseThreshold()).isEqualTo(ReuseFit.THRESHOLDS.get(ReuseFit.THRESHOLDS.size() - 1));
        // the held-out phrasing (cosine .8) is below it: ranked as the untuned fusion ranks it
        String heldOut = words(3) + " heldout";
        assertThat(recall(heldOut, judgedTasks[0], proposed))
                .isEqualTo(recall(heldOut, judgedTasks[0], RankerPolicy.untuned()));
    }

    @Test
    void fewerThanFiveJudgedTrainingTasksProposeNothing() {
        JudgedTasks[] judgedTasks = new JudgedTasks[1];
        PolicyFitter fitter = fitter("log-few", List.of("trained"), judgedTasks);
        Set<String> mostHeldOut = Set.of(words(0) + " trained", words(1) + " trained");
        assertThat(fitter.propose(TENANT, mostHeldOut)).isEmpty();
    }
}
