package dev.engram.agentmodel;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.engram.adapters.TrainingConfig;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.RetrievedCase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tenant's feedback events become a gated PEFT adapter; the next round is gated against it. */
class AgentModelRoundTest {

    @TempDir
    Path dir;

    @Test
    void feedbackBecomesAGatedAdapterAndTheNextRoundIsGatedAgainstIt() throws Exception {
        List<FeedbackEvent> events = new ArrayList<>();
        Map<String, String> texts = new HashMap<>();
        int i = 0;
        for (String verb : PlanLossGateTest.VERBS) {
            for (String noun : PlanLossGateTest.NOUNS) {
                String id = "ev-" + i;
                String task = "please " + verb + " the " + noun;
                String plan = "check status then " + verb + " the " + noun + " then report done";
                // every third episode failed; the others cite the previous episode as useful
                double reward = i % 3 == 2 ? 0.2 : 0.9;
                List<RetrievedCase> recalled =
                        i == 0 ? List.of() : List.of(new RetrievedCase("ev-" + (i - 1), 1, true));
                events.add(FeedbackEvent.of(
                        id,
                        "acme",
                        "agent-1",
                        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i),
                        task,
                        plan,
                        "done",
                        reward,
                        recalled));
                texts.put(id, task + "\n" + plan + "\ndone");
                i++;
            }
        }
        CaseTexts cases = (tenant, id) -> Optional.ofNullable(texts.get(id));
        List<String> words = new ArrayList<>(
                List.of("Task: Useful past cases: - / Plan:", "please the check status then report done"));
        words.addAll(PlanLossGateTest.VERBS);
        words.addAll(PlanLossGateTest.NOUNS);
        Path folder = TinyLlama.write(dir.resolve("model"), TinyLlama.Spec.gqa(), TinyLlama.wordsOf(words));
        RoundConfig config = new RoundConfig(
                ExampleConfig.builder().minReward(0.5).maxPositives(1).build(),
                AgentAdapterTrainerTest.lora(),
                TrainingConfig.builder()
                        .learningRate(2e-2)
                        .totalSteps(30)
                        .warmupSteps(3)
                        .weightDecay(0)
                        .batchSize(8)
                        .seed(5)
                        .build(),
                8,
                0.25,
                PlanLossGate.defaults());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                LlamaModel model = LlamaModel.load(folder, manager);
                AgentTokenizer tokenizer = AgentTokenizer.load(folder)) {
            List<Long> steps = new ArrayList<>();
            AgentModelRound round = new AgentModelRound(model, tokenizer, config, manager, p -> steps.add(p.step()));
            RoundReport first = round.run("acme", events, cases, null, dir.resolve("v1"));

            assertThat(first.examples().belowReward()).isEqualTo(12);
            assertThat(first.examples().examples()).hasSize(24);
            assertThat(first.trainExamples() + first.heldOutExamples()).isEqualTo(24);
            assertThat(first.heldOutExamples()).isPositive();
            assertThat(steps).hasSize(30);
            assertThat(first.verdict().promote()).as(first.verdict().reason()).isTrue();
            assertThat(first.verdict().candidateNll())
                    .isLessThan(first.verdict().servingNll());
            assertThat(dir.resolve("v1/adapter_config.json")).exists();
            assertThat(dir.resolve("v1/adapter_model.safetensors")).exists();

            // round 2 serves v1: the same seed and data train the same adapter, and the serving side is v1's
            RoundReport second = round.run("acme", events, cases, dir.resolve("v1"), dir.resolve("v2"));
            assertThat(second.verdict().servingNll())
                    .isCloseTo(first.verdict().candidateNll(), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(second.verdict().verdict().test().meanGain())
                    .isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(Files.readAllBytes(dir.resolve("v2/adapter_model.safetensors")))
                    .isEqualTo(Files.readAllBytes(dir.resolve("v1/adapter_model.safetensors")));
        }
    }
}
