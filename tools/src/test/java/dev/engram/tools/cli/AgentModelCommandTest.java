package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.agentmodel.TinyLlama;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.RetrievedCase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code engram agent-model} on a tiny model folder and a file of feedback events. */
class AgentModelCommandTest {

    static final List<String> VERBS = List.of("restart", "rotate", "flush", "renew", "scale", "backup");
    static final List<String> NOUNS = List.of("cache", "logs", "keys", "certs", "pods", "db");

    @TempDir
    Path dir;

    private Path feedback(List<String> extraLines) throws Exception {
        return feedback(dir, extraLines);
    }

    /** 36 episodes of tenant acme (every third failed), one JSON line each, plus {@code extraLines}. */
    static Path feedback(Path dir, List<String> extraLines) throws Exception {
        List<String> lines = new ArrayList<>();
        int i = 0;
        for (String verb : VERBS) {
            for (String noun : NOUNS) {
                FeedbackEvent e = FeedbackEvent.of(
                        "ev-" + i,
                        "acme",
                        "agent-1",
                        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i),
                        "please " + verb + " the " + noun,
                        "check status then " + verb + " the " + noun + " then report done",
                        "done",
                        i % 3 == 2 ? 0.2 : 0.9,
                        i == 0 ? List.of() : List.of(new RetrievedCase("ev-" + (i - 1), 1, true)));
                lines.add(new String(EventCodec.encode(e), StandardCharsets.UTF_8));
                i++;
            }
        }
        lines.addAll(extraLines);
        return Files.write(dir.resolve("feedback.jsonl"), lines, StandardCharsets.UTF_8);
    }

    private Path model() throws Exception {
        return model(dir);
    }

    /** A tiny random Llama whose tokenizer knows the episodes' words. */
    static Path model(Path dir) throws Exception {
        List<String> texts = new ArrayList<>(
                List.of("Task: Useful past cases: - / Plan:", "please the check status then report done done"));
        texts.addAll(VERBS);
        texts.addAll(NOUNS);
        return TinyLlama.write(dir.resolve("tiny-llama"), TinyLlama.Spec.gqa(), TinyLlama.wordsOf(texts));
    }

    @Test
    void trainsGatesAndWritesAPeftAdapter() throws Exception {
        Path out = dir.resolve("acme-v1");
        EngramCliTest.Run run = EngramCliTest.run(
                "agent-model",
                "--model",
                model().toString(),
                "--feedback",
                feedback(List.of()).toString(),
                "--tenant",
                "acme",
                "--out",
                out.toString(),
                "--steps",
                "30",
                "--lr",
                "2e-2",
                "--r",
                "4",
                "--alpha",
                "8",
                "--targets",
                "all-linear",
                "--min-reward",
                "0.5",
                "--held-out",
                "0.25",
                "--batch",
                "8");
        assertThat(run.exitCode()).as(run.err() + run.out()).isZero();
        assertThat(run.out())
                .contains("examples: 24 (train ", "12 below the reward", "training: 30 steps", "gate: promote");
        assertThat(run.err()).contains("train    [", "30/30 100%");
        assertThat(out.resolve("adapter_config.json"))
                .content()
                .contains("\"task_type\" : \"CAUSAL_LM\"")
                .contains("\"base_model_name_or_path\" : \"tiny-llama\"");
        assertThat(out.resolve("adapter_model.safetensors")).exists();
    }

    @Test
    void aBadLineAndAFolderThatIsNotAModelAreNamed() throws Exception {
        EngramCliTest.Run bad = EngramCliTest.run(
                "agent-model",
                "--model",
                model().toString(),
                "--feedback",
                feedback(List.of("{\"schemaVersion\": 1, \"eventId\": \"x\"}")).toString(),
                "--tenant",
                "acme",
                "--out",
                dir.resolve("o").toString());
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("feedback.jsonl line 37");

        Path empty = Files.createDirectories(dir.resolve("not-a-model"));
        EngramCliTest.Run notModel = EngramCliTest.run(
                "agent-model",
                "--model",
                empty.toString(),
                "--feedback",
                feedback(List.of()).toString(),
                "--tenant",
                "acme",
                "--out",
                dir.resolve("o").toString());
        assertThat(notModel.exitCode()).isEqualTo(1);
        assertThat(notModel.err()).contains("config.json", "missing");
    }
}
