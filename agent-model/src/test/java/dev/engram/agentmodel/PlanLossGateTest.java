package dev.engram.agentmodel;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.engram.adapters.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A tenant whose plans share one frame ("check status then VERB the NOUN then report done"): an
 * adapter trained on some episodes lowers the loss of the held-out ones, and the gate promotes it
 * over the base model; the other way round it rejects.
 */
class PlanLossGateTest {

    static final List<String> VERBS = List.of("restart", "rotate", "flush", "renew", "scale", "backup");
    static final List<String> NOUNS = List.of("cache", "logs", "keys", "certs", "pods", "db");

    private static NDManager manager;
    private static LlamaModel base;
    private static ExampleSplit split;
    private static AgentTraining run;

    @BeforeAll
    static void train() throws Exception {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        List<String> texts = new ArrayList<>(
                List.of("Task: Useful past cases: - / Plan:", "please the check status" + " then report done"));
        texts.addAll(VERBS);
        texts.addAll(NOUNS);
        Path folder = TinyLlama.write(
                Files.createTempDirectory("plan-gate").resolve("model"),
                TinyLlama.Spec.gqa(),
                TinyLlama.wordsOf(texts));
        base = LlamaModel.load(folder, manager);
        List<SftExample> examples = new ArrayList<>();
        try (AgentTokenizer tokenizer = AgentTokenizer.load(folder)) {
            EpisodeExamples builder = new EpisodeExamples(tokenizer, base.config(), ExampleConfig.defaults());
            for (String verb : VERBS) {
                for (String noun : NOUNS) {
                    examples.add(builder.example(
                            verb + "-" + noun,
                            "please " + verb + " the " + noun,
                            List.of(),
                            "check status then " + verb + " the " + noun + " then report done"));
                }
            }
        }
        split = ExampleSplit.byEpisode(examples, 0.25);
        TrainingConfig training = TrainingConfig.builder()
                .learningRate(2e-2)
                .totalSteps(40)
                .warmupSteps(4)
                .weightDecay(0)
                .batchSize(8)
                .seed(5)
                .build();
        run = new AgentAdapterTrainer(AgentAdapterTrainerTest.lora(), training, 8).fit(base, split.train());
    }

    @AfterAll
    static void release() {
        run.close();
        base.close();
        manager.close();
    }

    @Test
    void theSplitDependsOnTheEpisodeIdAlone() {
        assertThat(split.heldOut()).hasSizeBetween(4, 16);
        assertThat(split.train()).hasSize(36 - split.heldOut().size());
        for (SftExample e : split.heldOut()) {
            assertThat(ExampleSplit.isHeldOut(e.episodeId(), 0.25)).isTrue();
            assertThat(split.train()).noneMatch(t -> t.episodeId().equals(e.episodeId()));
        }
        ExampleSplit again = ExampleSplit.byEpisode(new ArrayList<>(split.heldOut()), 0.25);
        assertThat(again.heldOut()).hasSameSizeAs(split.heldOut());
    }

    @Test
    void anAdapterThatLowersTheHeldOutPlansLossIsPromoted() {
        PlanLossVerdict v = PlanLossGate.defaults().judge(run.adapted().model(), base, split.heldOut(), 8, manager);
        assertThat(v.candidateNll()).isLessThan(v.servingNll() * 0.6);
        assertThat(v.promote()).as(v.reason()).isTrue();
        assertThat(v.reason())
                .startsWith("promote")
                .contains("n " + split.heldOut().size());
        assertThat(v.verdict().test().meanGain()).isPositive();
    }

    @Test
    void aCandidateWorseThanTheServingVersionIsRejectedWithTheReason() {
        PlanLossVerdict v = PlanLossGate.defaults().judge(base, run.adapted().model(), split.heldOut(), 8, manager);
        assertThat(v.promote()).isFalse();
        assertThat(v.reason()).startsWith("reject: may be worse by more than 0.0200");
        assertThat(v.candidateNll()).isGreaterThan(v.servingNll());
    }
}
