package dev.engram.node.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStore;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.ScoredCase;
import dev.engram.node.registry.PromotionGate;
import dev.engram.node.registry.ServingAdapter;
import dev.engram.node.testing.HashingEmbedder;
import dev.engram.node.tuning.JudgedRecallLog;
import dev.engram.retriever.eval.PairedTest;
import dev.engram.retriever.ranking.RankerPolicy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's policy on a real Lucene store and a real judged-feedback log: each topic has a
 * distractor case that shares the task's words (the untuned fusion ranks it first) and an answer
 * that shares none (judged useful by the topic's training task). Judged-case reuse carries the
 * training task's verdicts to the similar held-out task; the gate's own measurement tells the
 * better policy from the worse on the held-out tasks, which the reuse memory never holds.
 */
class PolicyRankingTest {

    private static final String TENANT = "acme";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final int TOPICS = 6;
    private static final RankerPolicy REUSE = RankerPolicy.untuned().withReuse(1.0, 5, 0.75);

    @TempDir
    Path dir;

    private final HashingEmbedder embedder = new HashingEmbedder(256);
    private CaseStore store;
    private JudgedRecallLog log;
    private JudgedTasks judgedTasks;
    private PolicyRankers rankers;

    private static String words(int topic) {
        return "alpha" + topic + " bravo" + topic + " charlie" + topic + " delta" + topic;
    }

    private static String trainingTask(int topic) {
        return words(topic) + " trained";
    }

    private static String heldOutTask(int topic) {
        return words(topic) + " heldout";
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
        log = new JudgedRecallLog(dir);
        List<Episode> judged = new ArrayList<>();
        List<String> heldOut = new ArrayList<>();
        for (int t = 0; t < TOPICS; t++) {
            judged.add(judgedEpisode("train-" + t, trainingTask(t), t));
            judged.add(judgedEpisode("held-" + t, heldOutTask(t), t));
            heldOut.add(heldOutTask(t));
        }
        log.append(judged);
        log.recordHeldOut(TENANT, heldOut);
        judgedTasks = new JudgedTasks(log, CaseStoreConfig.defaults());
        rankers = new PolicyRankers(store.defaultRanker(), judgedTasks);
    }

    @AfterEach
    void tearDown() throws Exception {
        store.close();
    }

    private void ingest(Episode e) {
        store.ingest(e, embedder.embedQuery(e.task()));
    }

    private static Episode judgedEpisode(String id, String task, int topic) {
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

    private ServingAdapter version(long version, RankerPolicy policy) {
        return ServingAdapter.candidate(TENANT, "acme-retriever", version, embedder, policy);
    }

    private List<String> recall(String task, ServingAdapter version) {
        return store
                .recall(
                        RecallQuery.hybrid(TENANT, task, embedder.embedQuery(task), 2 * TOPICS),
                        rankers.ranker(TENANT, version))
                .ranked()
                .stream()
                .map(ScoredCase::match)
                .map(c -> c.caseId())
                .toList();
    }

    @Test
    void theReuseMemoryHoldsTheTrainingTasksOnly() {
        var memory = judgedTasks.memory(TENANT, version(1, REUSE));
        assertThat(memory.tasks()).hasSize(TOPICS);
        assertThat(memory.tasks()).allSatisfy(t -> assertThat(t.taskId()).startsWith("train-"));
        assertThat(memory.tasks().get(0).useful()).containsExactly("answer-0");
        assertThat(memory.tasks().get(0).useless()).containsExactly("distractor-0");
    }

    @Test
    void theMemoryTheGateBuiltForACandidateIsStillThereWhenItServes() {
        // The gate scores the candidate, then the serving version; a promoted candidate then serves.
        var candidate = judgedTasks.memory(TENANT, version(2, REUSE));
        var serving = judgedTasks.memory(TENANT, version(1, REUSE));
        assertThat(judgedTasks.memory(TENANT, version(2, REUSE))).isSameAs(candidate);
        assertThat(judgedTasks.memory(TENANT, version(1, REUSE))).isSameAs(serving);
        // New judgements make a tower's memory stale: it is built again.
        log.append(List.of(judgedEpisode("train-late", trainingTask(0) + " again", 0)));
        assertThat(judgedTasks.memory(TENANT, version(2, REUSE))).isNotSameAs(candidate);
    }

    @Test
    void reuseMovesTheCaseSimilarTasksFoundUsefulUpAndTheUselessOneDown() {
        List<String> untuned = recall(heldOutTask(2), version(1, RankerPolicy.untuned()));
        List<String> reused = recall(heldOutTask(2), version(1, REUSE));
        assertThat(untuned.get(0)).isEqualTo("distractor-2");
        assertThat(untuned.indexOf("answer-2")).isPositive();
        assertThat(reused.get(0)).isEqualTo("answer-2");
        assertThat(reused.indexOf("distractor-2")).isGreaterThan(untuned.indexOf("distractor-2"));
        // A task far from every judged task is ranked as the untuned fusion ranks it.
        String far = "echo foxtrot golf hotel";
        assertThat(recall(far, version(1, REUSE))).isEqualTo(recall(far, version(1, RankerPolicy.untuned())));
        // A BM25 recall has no vector to find similar tasks with: the untuned order.
        assertThat(rankers.ranker(TENANT, null)).isSameAs(store.defaultRanker());
    }

    @Test
    void theGatesOwnMeasurementPromotesTheBetterPolicyAndRejectsTheWorse() {
        HeldOutGate gate = new HeldOutGate(store, judgedTasks, rankers);
        ServingAdapter base = version(1, RankerPolicy.untuned());
        ServingAdapter withReuse = version(2, REUSE);

        PairedTest better = gate.evaluate(withReuse, base).orElseThrow();
        assertThat(better.n()).isEqualTo(TOPICS);
        assertThat(better.meanGain()).isPositive();
        PromotionGate.Decision promoted = PromotionGate.defaults().decide(better, base.label());
        assertThat(promoted.promoted()).as(promoted.reason()).isTrue();
        assertThat(promoted.reason()).contains("n " + TOPICS);

        PairedTest worse = gate.evaluate(base, withReuse).orElseThrow();
        assertThat(worse.meanGain()).isNegative();
        assertThat(PromotionGate.defaults().decide(worse, withReuse.label()).promoted())
                .isFalse();

        PairedTest same =
                gate.evaluate(version(3, RankerPolicy.untuned()), base).orElseThrow();
        assertThat(same.meanGain()).isZero();
        assertThat(PromotionGate.defaults().decide(same, base.label()).promoted())
                .as("no change is not worse: the gate lets an equal version through")
                .isTrue();
    }
}
