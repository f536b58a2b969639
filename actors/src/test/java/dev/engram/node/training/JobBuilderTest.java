package dev.engram.node.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.TrainingExample;
import dev.engram.streams.TrainingJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class JobBuilderTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private final Map<String, Case> cases = new HashMap<>();

    private Case kase(String id, String text) {
        return cases.computeIfAbsent(id, k -> new Case(id, "acme", "a", text, "", "", 1.0, T0, T0, 1, 1));
    }

    /** Task i recalls case u-i (useful) and case n-i (not useful). */
    private Episode episode(int i) {
        kase("u-" + i, "useful answer " + i);
        kase("n-" + i, "unhelpful answer " + i);
        return new Episode("e-" + i, "acme", "a", T0.plusSeconds(i), "task number " + i, "", "", 1.0,
                List.of(new Judgement("u-" + i, 2, true), new Judgement("n-" + i, 1, false)));
    }

    private List<Episode> episodes(int from, int to) {
        List<Episode> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(episode(i));
        }
        return out;
    }

    @Test
    void splitsNewTasksIntoExamplesAndHeldOutAndSamplesRetentionFromOlderOnes() {
        JobBuilder builder = new JobBuilder(JobBuilder.Settings.defaults());
        List<Episode> fresh = episodes(0, 10);
        List<Episode> older = episodes(100, 105);
        TrainingJob job = builder.build("acme", "acme-retriever", 3, 2L, fresh, older,
                id -> Optional.ofNullable(cases.get(id)), T0).orElseThrow();

        assertThat(job.jobId()).isEqualTo("acme-retriever-v3");
        assertThat(job.targetVersion()).isEqualTo(3);
        assertThat(job.baseAdapterVersion()).isEqualTo(2L);
        assertThat(job.heldOut()).hasSize(2);
        assertThat(job.examples()).hasSize(8);
        Set<String> heldTasks = job.heldOut().stream().map(HeldOutQuery::query).collect(Collectors.toSet());
        Set<String> trainTasks = job.examples().stream().map(TrainingExample::query).collect(Collectors.toSet());
        assertThat(heldTasks).doesNotContainAnyElementsOf(trainTasks);
        for (TrainingExample e : job.examples()) {
            String n = e.query().substring("task number ".length());
            assertThat(e.positive()).isEqualTo("useful answer " + n);
            assertThat(e.hardNegatives()).containsExactly("unhelpful answer " + n);
        }
        for (HeldOutQuery q : job.heldOut()) {
            String n = q.query().substring("task number ".length());
            assertThat(q.candidates()).extracting(HeldOutQuery.Candidate::caseId, HeldOutQuery.Candidate::gain)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("u-" + n, 1.0),
                            org.assertj.core.groups.Tuple.tuple("n-" + n, 0.0));
        }
        assertThat(job.retention()).hasSize(5)
                .allMatch(q -> Integer.parseInt(q.query().substring("task number ".length())) >= 100);
        // Self-contained and replayable: it survives the wire, and the same feedback builds the same job.
        assertThat(ContinualCodec.decodeTrainingJob(ContinualCodec.encode(job))).isEqualTo(job);
        assertThat(builder.build("acme", "acme-retriever", 3, 2L, fresh, older,
                id -> Optional.ofNullable(cases.get(id)), T0)).contains(job);
    }

    @Test
    void makesNoJobFromASingleTaskOrUnknownCases() {
        JobBuilder builder = new JobBuilder(JobBuilder.Settings.defaults());
        assertThat(builder.build("acme", "acme-retriever", 1, null, episodes(0, 1), List.of(),
                id -> Optional.ofNullable(cases.get(id)), T0)).isEmpty();
        assertThat(builder.build("acme", "acme-retriever", 1, null, episodes(0, 5), List.of(),
                id -> Optional.empty(), T0)).isEmpty();
    }
}
