package dev.engram.retriever.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class FeedbackExamplesTest {

    private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");

    private final Map<String, Case> cases = new HashMap<>();
    private final Function<String, Optional<Case>> lookup = id -> Optional.ofNullable(cases.get(id));

    FeedbackExamplesTest() {
        for (String id : List.of("c1", "c2", "c3", "c4", "c5", "c6")) {
            cases.put(id, kase(id, 0, 0));
        }
    }

    private static Case kase(String id, long recalled, long useful) {
        return new Case(
                id, "acme", "agent", "task of " + id, "plan of " + id, "outcome of " + id, 0.8, T, T, recalled, useful);
    }

    private static Episode episode(String id, String task, double reward, Judgement... judgements) {
        return new Episode(id, "acme", "agent", T, task, "", "", reward, Arrays.asList(judgements));
    }

    @Test
    void perCaseVerdictsGivePositivesWithTheirJudgedNegativesBestRankedFirst() {
        Episode e = episode(
                "e1",
                "heated wing flutter",
                0.2,
                new Judgement("c1", 1, false),
                new Judgement("c2", 2, true),
                new Judgement("c3", 3, false),
                new Judgement("c4", 4, true));

        List<TrainingExample> examples = FeedbackExamples.builder().build().trainingExamples(List.of(e), lookup);

        assertThat(examples).extracting(x -> x.positive().caseId()).containsExactly("c2", "c4");
        assertThat(examples.get(0).query()).isEqualTo("heated wing flutter");
        assertThat(examples.get(0).positive().text()).isEqualTo("task of c2\nplan of c2\noutcome of c2");
        assertThat(examples.get(0).hardNegatives()).extracting(CaseText::caseId).containsExactly("c1", "c3");
        assertThat(examples.get(1).hardNegatives()).extracting(CaseText::caseId).containsExactly("c1", "c3");
    }

    @Test
    void withoutPerCaseVerdictsTheEpisodeRewardDecides() {
        Episode good = episode("e1", "good task", 0.9, new Judgement("c1", 1, null), new Judgement("c2", 2, null));
        Episode bad = episode("e2", "bad task", 0.1, new Judgement("c3", 1, null));
        // an explicit verdict beats the reward
        Episode mixed = episode("e3", "good task", 0.9, new Judgement("c4", 3, false));

        FeedbackExamples feedback =
                FeedbackExamples.builder().usefulRewardThreshold(0.5).build();
        List<JudgedRecall> judged = feedback.judgedRecalls(List.of(good, bad, mixed), lookup);

        assertThat(judged)
                .extracting(j -> j.task() + "/" + j.recalled().caseId() + "/" + j.useful())
                .containsExactly("good task/c1/true", "good task/c2/true", "good task/c4/false", "bad task/c3/false");
        List<TrainingExample> examples = feedback.trainingExamples(List.of(good, bad, mixed), lookup);
        assertThat(examples)
                .extracting(x -> x.query() + "/" + x.positive().caseId())
                .containsExactly("good task/c1", "good task/c2");
        assertThat(examples.get(0).hardNegatives()).extracting(CaseText::caseId).containsExactly("c4");
    }

    @Test
    void repeatedTasksVoteAndTiesAreDropped() {
        Episode a = episode("e1", "t", 0.5, new Judgement("c1", 2, true), new Judgement("c2", 1, true));
        Episode b = episode("e2", " t ", 0.5, new Judgement("c1", 5, true), new Judgement("c2", 4, false));
        Episode c = episode("e3", "t", 0.5, new Judgement("c1", 1, false));

        List<JudgedRecall> judged = FeedbackExamples.builder().build().judgedRecalls(List.of(a, b, c), lookup);

        // c1: 2 useful vs 1 not -> useful, best rank 1; c2: 1 vs 1 -> dropped
        assertThat(judged).hasSize(1);
        assertThat(judged.get(0).recalled().caseId()).isEqualTo("c1");
        assertThat(judged.get(0).rank()).isEqualTo(1);
        assertThat(judged.get(0).useful()).isTrue();
    }

    @Test
    void minesHighRankedCasesThatWereNeverUsefulAfterTheJudgedNegatives() {
        cases.put("c5", kase("c5", 4, 2)); // useful elsewhere according to the store: not a negative
        Episode e1 = episode("e1", "t1", 0.5, new Judgement("c1", 1, true), new Judgement("c2", 2, false));
        Episode e2 = episode("e2", "t2", 0.5, new Judgement("c3", 1, true));
        Map<String, List<String>> rankings = Map.of(
                "t1", List.of("c3", "c1", "unknown", "c5", "c2", "c4", "c6"),
                "t2", List.of("c3"));

        FeedbackExamples feedback = FeedbackExamples.builder()
                .maxHardNegatives(3)
                .hardNegativeMiner(rankings::get)
                .build();
        List<TrainingExample> examples = feedback.trainingExamples(List.of(e1, e2), lookup);

        // c2 judged not useful comes first; c3 was useful for t2, c1 is t1's positive, c5 useful in
        // the store, "unknown" is not a case: the miner adds c4, then c6 until 3 negatives
        assertThat(examples.get(0).hardNegatives()).extracting(CaseText::caseId).containsExactly("c2", "c4", "c6");
        assertThat(examples.get(1).hardNegatives()).isEmpty();
    }

    @Test
    void unknownCasesAreSkippedAndCounted() {
        Episode e = episode("e1", "t", 0.5, new Judgement("gone", 1, true), new Judgement("c1", 2, true));
        FeedbackExamples feedback =
                FeedbackExamples.builder().maxHardNegatives(0).build();

        List<TrainingExample> examples = feedback.trainingExamples(List.of(e), lookup);

        assertThat(examples).extracting(x -> x.positive().caseId()).containsExactly("c1");
        assertThat(feedback.skippedJudgements()).isEqualTo(1);
    }

    @Test
    void settingsAndExamplesAreValidated() {
        assertThatThrownBy(() -> FeedbackExamples.builder().usefulRewardThreshold(1.5))
                .hasMessageContaining("usefulRewardThreshold");
        assertThatThrownBy(() -> FeedbackExamples.builder().maxHardNegatives(-1))
                .hasMessageContaining("maxHardNegatives");
        CaseText c = new CaseText("c1", "text");
        assertThatThrownBy(() -> new TrainingExample("q", c, List.of(c)))
                .hasMessageContaining("hardNegatives contains the positive case c1");
        assertThatThrownBy(() -> new TrainingExample(" ", c, List.of())).hasMessageContaining("trainingExample.query");
    }
}
