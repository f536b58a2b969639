package dev.engram.tools.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.tools.cli.EngramCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code engram eval} end to end on a hand-made BEIR folder (a dozen abstracts, six judged queries),
 * with the real MiniLM encoder at small lengths: one seed, two rounds, LoRA on.
 */
class BeirEvaluationTest {

    @TempDir
    Path root;

    Path beir;

    record Run(int exitCode, String out, String err) {}

    static Run eval(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = EngramCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("eval"));
        all.addAll(List.of(args));
        int code = cli.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void writeTinyCollection() throws IOException {
        beir = Files.createDirectories(root.resolve("tiny"));
        Files.writeString(beir.resolve("corpus.jsonl"), """
                {"_id": "d1", "title": "Wing flutter", "text": "Flutter of a thin wing at high subsonic speed is predicted from the aeroelastic equations."}
                {"_id": "d2", "title": "Flutter tests", "text": "Wind tunnel tests of panel flutter on heated plates show early onset of flutter."}
                {"_id": "d3", "title": "Aeroelastic models", "text": "Similarity laws for aeroelastic models of heated high speed aircraft."}
                {"_id": "d4", "title": "Boundary layer transition", "text": "Transition of the laminar boundary layer on a flat plate depends on the pressure gradient."}
                {"_id": "d5", "title": "Turbulent skin friction", "text": "Skin friction in a turbulent boundary layer measured at supersonic speed."}
                {"_id": "d6", "title": "Laminar separation", "text": "Separation of the laminar boundary layer ahead of a step in the wall."}
                {"_id": "d7", "title": "Heat conduction in slabs", "text": "Exact solutions for heat conduction in composite slabs with contact resistance."}
                {"_id": "d8", "title": "Transient heating", "text": "Transient temperature in a thick wall heated on one face by a hot gas."}
                {"_id": "d9", "title": "Ablation cooling", "text": "Heat shields that ablate protect re-entry vehicles from aerodynamic heating."}
                {"_id": "d10", "title": "Shock waves in nozzles", "text": "A normal shock wave stands in the divergent part of a supersonic nozzle."}
                {"_id": "d11", "title": "Blast waves", "text": "Strong blast waves from a point explosion in a gas at rest."}
                {"_id": "d12", "title": "Shock tube flow", "text": "Flow behind the reflected shock in a shock tube with a contact surface."}
                """);
        Files.writeString(beir.resolve("queries.jsonl"), """
                {"_id": "q1", "text": "what causes flutter of wings and panels"}
                {"_id": "q2", "text": "laminar boundary layer transition and separation"}
                {"_id": "q3", "text": "heat conduction in composite walls and slabs"}
                {"_id": "q4", "text": "shock waves in nozzles and shock tubes"}
                {"_id": "q5", "text": "aeroelastic models of heated aircraft"}
                {"_id": "q6", "text": "turbulent skin friction at supersonic speed"}
                {"_id": "q7", "text": "a query nobody judged"}
                """);
        Files.createDirectories(beir.resolve("qrels"));
        Files.writeString(beir.resolve("qrels/test.tsv"), """
                query-id\tcorpus-id\tscore
                q1\td1\t3
                q1\td2\t2
                q1\td3\t1
                q2\td4\t3
                q2\td6\t2
                q3\td7\t3
                q3\td8\t1
                q4\td10\t3
                q4\td12\t2
                q4\td11\t1
                q5\td3\t3
                q5\td1\t1
                q6\td5\t3
                q6\td4\t1
                """);
    }

    @Test
    void scoresEverySystemOnNewAndRecurringTasksAndWritesJsonAndPerQueryFigures() throws IOException {
        Path out = root.resolve("out");

        Run run = eval(
                "--beir",
                beir.toString(),
                "--seeds",
                "1",
                "--feedback-k",
                "5",
                "--feedback-passes",
                "2",
                "--query-max-length",
                "16",
                "--doc-max-length",
                "32",
                "--rounds",
                "2",
                "--gate-fraction",
                "0.5",
                "--lora",
                "--continuation",
                "RETRAIN_FROM_BASE,CONTINUE_LOW_LR",
                "--gate-confidence",
                "0.9",
                "--out",
                out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.resolve("eval.json").toFile());
        assertThat(json.at("/dataset/judgedQueries").asInt()).isEqualTo(6);
        assertThat(json.at("/dataset/feedbackTasks/0").asInt()).isEqualTo(4);
        assertThat(json.at("/dataset/newTasks/0").asInt()).isEqualTo(2);
        Set<String> regimes = new HashSet<>();
        for (JsonNode regime : json.get("regimes")) {
            regimes.add(regime.get("regime").asText());
            List<String> systems = new ArrayList<>();
            regime.get("systems").forEach(s -> systems.add(s.get("system").asText()));
            assertThat(systems)
                    .containsExactlyElementsOf(EvalSystem.scored(true, false).stream()
                            .map(EvalSystem::label)
                            .toList());
            double ceiling = 0;
            for (JsonNode s : regime.get("systems")) {
                if (s.get("system").asText().equals(EvalSystem.CEILING_CANDIDATES.label())) {
                    ceiling = s.get("meanNdcgAt10").asDouble();
                }
            }
            for (JsonNode s : regime.get("systems")) {
                // no ranker of the candidate lists beats the oracle that reorders them by the qrels
                assertThat(s.get("meanNdcgAt10").asDouble())
                        .as(s.get("system").asText())
                        .isBetween(0.0, ceiling + 1e-9);
                boolean baseline =
                        s.get("system").asText().equals(regime.get("baseline").asText());
                assertThat(s.get("vsBaseline").isNull())
                        .as(s.get("system").asText())
                        .isEqualTo(baseline);
            }
        }
        assertThat(regimes).containsExactlyInAnyOrder("new", "recurring");
        assertThat(json.get("lora")).hasSize(1);
        assertThat(json.get("fits")).hasSize(2); // base tower and LoRA tower
        // the policy and two LoRA chains, 2 rounds each
        assertThat(json.get("rounds")).hasSize(3 * 2);
        List<String> systems = new ArrayList<>();
        json.get("rounds")
                .forEach(r -> systems.add(
                        r.get("system").asText() + " r" + r.get("round").asInt()));
        assertThat(systems)
                .containsExactly(
                        "policy r1",
                        "policy r2",
                        "LoRA RETRAIN_FROM_BASE r1",
                        "LoRA RETRAIN_FROM_BASE r2",
                        "LoRA CONTINUE_LOW_LR r1",
                        "LoRA CONTINUE_LOW_LR r2");
        JsonNode lastRound =
                json.get("roundDetails").get(json.get("roundDetails").size() - 1);
        assertThat(lastRound.get("system").asText()).isEqualTo("LoRA CONTINUE_LOW_LR");
        assertThat(lastRound.get("gateTasks").asInt()).isEqualTo(2);
        assertThat(lastRound.get("gate").isBoolean()).isTrue();
        assertThat(lastRound.get("gateReading").asText()).isIn("gain", "loss", "no measurable change");
        assertThat(lastRound.get("version").asText()).startsWith("CONTINUE_LOW_LR: ");
        assertThat(lastRound.has("newGains"))
                .as("per-query gains stay out of the JSON")
                .isFalse();
        assertThat(json.at("/options/gateConfidence").asDouble()).isEqualTo(0.9);
        JsonNode all = json.get("gate").get(json.get("gate").size() - 1);
        assertThat(all.get("system").asText()).isEqualTo("all");
        assertThat(all.get("candidates").asInt()).isEqualTo(6);
        assertThat(all.get("agreed").asInt()).isBetween(0, 6);
        assertThat(json.at("/resources/peakHeapMiB").asLong()).isPositive();

        List<String> tsv = Files.readAllLines(out.resolve("per-query.tsv"), StandardCharsets.UTF_8);
        assertThat(tsv.get(0)).isEqualTo("seed\tregime\tquery_id\tsystem\tndcg_at_10");
        // (2 new + 4 recurring tasks) x every system scored without the reuse variants
        assertThat(tsv).hasSize(1 + 6 * EvalSystem.scored(true, false).size());
        assertThat(tsv).anyMatch(l -> l.startsWith("1\trecurring\t") && l.contains("\tLoRA policy\t"));
        assertThat(tsv).noneMatch(l -> l.contains("\tq7\t")); // unjudged: in neither regime

        assertThat(run.out())
                .contains(
                        "New tasks (held out); baseline: ",
                        "Recurring tasks",
                        "policy",
                        "LoRA RETRAIN_FROM_BASE",
                        "Gate agreement with the true direction",
                        "then 1 more passes of the top 5 of the policy a round proposes",
                        "proposed: rrf + reuse β 0.50",
                        "Memory: peak heap",
                        "Embedding cost (minilm): ",
                        " docs/s, indexing included); one query ");
        // the second pass shows the agents cases the first did not: more judged recalls than tasks x k
        assertThat(json.at("/fits/0/judgedRecalls").asInt()).isGreaterThan(4 * 5);
        assertThat(run.err()).contains("embed", "score s1", "LoRA s1");
    }

    @Test
    void aWrongSplitListsTheSplitsThereAre() {
        Run run = eval(
                "--beir",
                beir.toString(),
                "--split",
                "dev",
                "--out",
                root.resolve("out").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("engram eval: no split 'dev'", "the splits there are test");
    }

    @Test
    void anUnknownEncoderNamesTheChoices() {
        Run run = eval(
                "--beir",
                beir.toString(),
                "--encoder",
                "bert-large",
                "--out",
                root.resolve("out").toString());

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("unknown encoder 'bert-large'", "minilm, bge-small, bge-small-plain");
    }
}
