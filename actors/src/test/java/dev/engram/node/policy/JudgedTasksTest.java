package dev.engram.node.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.node.registry.ServingAdapter;
import dev.engram.node.testing.CountingEmbedder;
import dev.engram.node.testing.HashingEmbedder;
import dev.engram.node.tuning.JudgedRecallLog;
import dev.engram.retriever.ranking.JudgedTask;
import dev.engram.retriever.ranking.JudgedTaskMemory;
import dev.engram.retriever.ranking.RankerPolicy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's judged-task memory on a real judged-feedback log: a rebuild after new feedback embeds
 * only the tasks its tower has not embedded yet, in one batch, and gives the memory a fresh build
 * gives.
 */
class JudgedTasksTest {

    private static final String TENANT = "acme";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final int TASKS = 40;

    @TempDir
    Path dir;

    private final HashingEmbedder hashing = new HashingEmbedder(256);
    private final CountingEmbedder tower = new CountingEmbedder(hashing);
    private JudgedRecallLog log;
    private JudgedTasks judgedTasks;
    private int nextEvent;

    @BeforeEach
    void setUp() {
        log = new JudgedRecallLog(dir);
        List<Episode> judged = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            judged.add(judged(task(i), "case-" + i, true));
        }
        log.append(judged);
        judgedTasks = new JudgedTasks(log, CaseStoreConfig.defaults());
    }

    private static String task(int i) {
        return "wing " + i + " flutter at mach " + (i % 7) + " with heated skin panel " + (i * 13 % 11);
    }

    private Episode judged(String task, String caseId, boolean useful) {
        return new Episode(
                "evt-" + nextEvent++,
                TENANT,
                "agent",
                T0.plusSeconds(nextEvent),
                task,
                "",
                "",
                0.9,
                List.of(new Judgement(caseId, 1, useful)));
    }

    private static ServingAdapter version(String name, long v, CountingEmbedder embedder) {
        return ServingAdapter.candidate(TENANT, name, v, embedder, RankerPolicy.untuned());
    }

    @Test
    void oneNewJudgedTaskEmbedsOnlyThatTaskAndTheMemoryIsAFreshBuilds() {
        ServingAdapter serving = version("acme-retriever", 1, tower);
        assertThat(judgedTasks.memory(TENANT, serving).tasks()).hasSize(TASKS);
        assertThat(tower.queries).hasValue(TASKS);
        assertThat(tower.queryBatches).hasValue(1);

        log.append(List.of(judged("a new task about boundary layer transition", "case-new", true)));
        JudgedTaskMemory memory = judgedTasks.memory(TENANT, serving);

        assertThat(tower.queries).as("tasks embedded after one new judged task").hasValue(TASKS + 1);
        assertThat(tower.queryBatches).hasValue(2);
        assertThat(memory.tasks()).hasSize(TASKS + 1);
        assertSameAsFreshBuild(memory);
    }

    @Test
    void aNewJudgementOnAKnownTaskEmbedsNothingAndChangesItsVerdicts() {
        ServingAdapter serving = version("acme-retriever", 1, tower);
        judgedTasks.memory(TENANT, serving);

        log.append(List.of(judged(task(3), "case-3", false), judged(task(3), "case-3", false)));
        JudgedTaskMemory memory = judgedTasks.memory(TENANT, serving);

        assertThat(tower.queries).hasValue(TASKS);
        assertThat(byText(memory).get(task(3)).useless()).containsExactly("case-3");
        assertSameAsFreshBuild(memory);
    }

    @Test
    void aTaskHeldOutLeavesTheMemoryWithItsVector() {
        ServingAdapter serving = version("acme-retriever", 1, tower);
        judgedTasks.memory(TENANT, serving);

        log.recordHeldOut(TENANT, List.of(task(5)));
        JudgedTaskMemory memory = judgedTasks.memory(TENANT, serving);
        assertThat(byText(memory)).doesNotContainKey(task(5)).hasSize(TASKS - 1);
        assertThat(tower.queries).hasValue(TASKS);
        assertSameAsFreshBuild(memory);
    }

    @Test
    void eachTowerEmbedsWithItsOwnModel() {
        judgedTasks.memory(TENANT, version("acme-retriever", 1, tower));
        CountingEmbedder candidate = new CountingEmbedder(new HashingEmbedder(64));
        JudgedTaskMemory memory = judgedTasks.memory(TENANT, version("acme-retriever", 2, candidate));

        assertThat(candidate.queries).hasValue(TASKS);
        assertThat(memory.tasks()).allSatisfy(t -> assertThat(t.vector()).hasSize(64));

        log.append(List.of(judged("a new task about boundary layer transition", "case-new", true)));
        judgedTasks.memory(TENANT, version("acme-retriever", 1, tower));
        judgedTasks.memory(TENANT, version("acme-retriever", 2, candidate));
        assertThat(tower.queries).hasValue(TASKS + 1);
        assertThat(candidate.queries).hasValue(TASKS + 1);
    }

    /** The memory a new instance builds from scratch: same tasks, verdicts and vectors. */
    private void assertSameAsFreshBuild(JudgedTaskMemory memory) {
        JudgedTaskMemory fresh = new JudgedTasks(log, CaseStoreConfig.defaults())
                .memory(TENANT, version("acme-retriever", 1, new CountingEmbedder(hashing)));
        assertThat(memory.tasks()).hasSameSizeAs(fresh.tasks());
        for (int i = 0; i < fresh.tasks().size(); i++) {
            JudgedTask want = fresh.tasks().get(i);
            JudgedTask got = memory.tasks().get(i);
            assertThat(got.taskId()).isEqualTo(want.taskId());
            assertThat(got.text()).isEqualTo(want.text());
            assertThat(got.useful()).isEqualTo(want.useful());
            assertThat(got.useless()).isEqualTo(want.useless());
            float[] a = got.vector();
            float[] b = want.vector();
            for (int d = 0; d < b.length; d++) {
                assertThat(Math.abs(a[d] - b[d]))
                        .as("%s, dimension %d", want.text(), d)
                        .isLessThan(1e-6f);
            }
        }
    }

    private static Map<String, JudgedTask> byText(JudgedTaskMemory memory) {
        return memory.tasks().stream().collect(Collectors.toMap(JudgedTask::text, Function.identity()));
    }
}
