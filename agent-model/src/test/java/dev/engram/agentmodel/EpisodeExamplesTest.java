package dev.engram.agentmodel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.RetrievedCase;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Successful episodes become prompt → plan examples; the rest is counted, not trained on. */
class EpisodeExamplesTest {

    static final List<String> TEXTS = List.of(
            "Task: Useful past cases: - / Plan:",
            "rotate the web logs",
            "gzip old files then restart nginx",
            "rotate the db logs",
            "vacuum then gzip",
            "restart the cache",
            "flush redis keys");

    @TempDir
    Path dir;

    private static FeedbackEvent event(
            String id, String tenant, String task, String plan, double reward, List<RetrievedCase> retrieved) {
        return FeedbackEvent.of(
                id, tenant, "agent-1", Instant.parse("2026-01-01T00:00:00Z"), task, plan, "ok", reward, retrieved);
    }

    @Test
    void successfulEpisodesBecomeExamplesWithTheirUsefulCasesAndTheRestIsCounted() throws Exception {
        Path folder = TinyLlama.write(dir.resolve("m"), TinyLlama.Spec.gqa().vocab(64), TinyLlama.wordsOf(TEXTS));
        Map<String, String> memory = Map.of(
                "c-web", "rotate the web logs\ngzip old files then restart nginx",
                "c-cache", "restart the cache\nflush redis keys");
        CaseTexts cases =
                (tenant, id) -> tenant.equals("acme") ? Optional.ofNullable(memory.get(id)) : Optional.empty();
        List<FeedbackEvent> events = List.of(
                event(
                        "e1",
                        "acme",
                        "rotate the db logs",
                        "vacuum then gzip",
                        0.9,
                        List.of(
                                new RetrievedCase("c-cache", 2, true),
                                new RetrievedCase("c-other", 3, false),
                                new RetrievedCase("c-web", 1, true),
                                new RetrievedCase("c-gone", 4, true))),
                event("e2", "acme", "Rotate  the DB logs", "vacuum then gzip ", 1.0, List.of()),
                event("e3", "acme", "restart the cache", "flush redis keys", 0.3, List.of()),
                event("e4", "acme", "restart the cache", "", 0.95, List.of()),
                event("e5", "other", "restart the cache", "flush redis keys", 1.0, List.of()),
                event("e6", "acme", "restart the cache", "flush redis keys", 0.8, List.of()));
        try (AgentTokenizer tokenizer = AgentTokenizer.load(folder)) {
            LlamaConfig config = LlamaConfig.read(folder.resolve("config.json"));
            ExampleSet set = new EpisodeExamples(
                            tokenizer,
                            config,
                            ExampleConfig.builder().maxPositives(3).build())
                    .build("acme", events, cases);

            assertThat(set.examples()).extracting(SftExample::episodeId).containsExactly("e1", "e6");
            assertThat(set.belowReward()).isEqualTo(1);
            assertThat(set.withoutPlan()).isEqualTo(1);
            assertThat(set.duplicates())
                    .as("same task and plan up to case and spaces")
                    .isEqualTo(1);
            assertThat(set.otherTenant()).isEqualTo(1);
            assertThat(set.missingCases())
                    .as("c-gone is no longer in the memory")
                    .isEqualTo(1);

            SftExample first = set.examples().get(0);
            assertThat(first.promptIds()[0]).as("the tokenizer's BOS").isEqualTo(1L);
            String prompt = tokenizer.decode(first.promptIds());
            // useful cases in recall order (c-web ranked 1 before c-cache ranked 2), the useless one left out
            assertThat(prompt)
                    .isEqualTo("task : rotate the db logs useful past cases : - rotate the web logs / gzip old files"
                            + " then restart nginx - restart the cache / flush redis keys plan :");
            long[] target = first.targetIds();
            assertThat(target[target.length - 1]).as("ends with eos_token_id").isEqualTo(2L);
            assertThat(tokenizer.decode(Arrays.copyOf(target, target.length - 1)))
                    .isEqualTo("vacuum then gzip");
        }
    }

    @Test
    void longPromptsKeepTheirStartTokenAndTheirEndAndLongPlansAreCut() throws Exception {
        Path folder = TinyLlama.write(dir.resolve("m"), TinyLlama.Spec.gqa(), TinyLlama.wordsOf(TEXTS));
        try (AgentTokenizer tokenizer = AgentTokenizer.load(folder)) {
            LlamaConfig config = LlamaConfig.read(folder.resolve("config.json"));
            EpisodeExamples examples = new EpisodeExamples(
                    tokenizer,
                    config,
                    ExampleConfig.builder()
                            .maxPromptTokens(8)
                            .maxTargetTokens(2)
                            .build());
            SftExample e =
                    examples.example("e", "rotate the web logs then rotate the db logs", List.of(), "gzip old files");
            assertThat(e.promptIds()).hasSize(8);
            assertThat(e.promptIds()[0]).isEqualTo(1L);
            assertThat(tokenizer.decode(e.promptIds())).endsWith("the db logs plan :");
            assertThat(tokenizer.decode(e.targetIds())).isEqualTo("gzip old");
        }
    }

    @Test
    void aBatchLabelsTheTargetTokensOnly() {
        SftExample a = new SftExample("a", new long[] {1, 5, 6}, new long[] {7, 8, 2});
        SftExample b = new SftExample("b", new long[] {1, 9}, new long[] {10, 2});
        SftBatch batch = SftBatch.of(new ArrayList<>(List.of(a, b)), 0);
        assertThat(batch.inputs().length()).isEqualTo(5);
        assertThat(batch.inputs().ids()).containsExactly(1, 5, 6, 7, 8, /* b */ 1, 9, 10, 0, 0);
        assertThat(batch.labels()).containsExactly(0, 0, 7, 8, 2, /* b */ 0, 10, 2, 0, 0);
        assertThat(batch.targetMask()).containsExactly(0, 0, 1, 1, 1, /* b */ 0, 1, 1, 0, 0);
        assertThat(batch.targetTokens()).isEqualTo(5);
    }
}
