package dev.engram.bench;

import dev.engram.tools.cli.EngramCli;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Does feedback tuning help? {@code engram eval} ({@link dev.engram.tools.eval.BeirEvaluation}) on
 * Cranfield: every system on new and recurring tasks over seeded splits, with the untuned hybrid as
 * the same-run baseline and paired tests against it. Takes {@code engram eval}'s options; the
 * collection defaults to {@code data/beir/cranfield} and the results to {@code bench/target/tuning-eval}.
 *
 * <pre>
 * bench/run TuningEvaluationBench [--seeds 3] [--rounds 4] [--lora] [--feedback-k 20] ...
 * </pre>
 */
public final class TuningEvaluationBench {

    private TuningEvaluationBench() {}

    public static void main(String[] args) {
        List<String> given = Arrays.asList(args);
        List<String> eval = new ArrayList<>(List.of("eval"));
        if (!given.contains("--beir")) {
            eval.addAll(List.of("--beir", "data/beir/cranfield"));
        }
        if (!given.contains("--out")) {
            eval.addAll(List.of("--out", "bench/target/tuning-eval"));
        }
        eval.addAll(given);
        System.exit(EngramCli.commandLine().execute(eval.toArray(String[]::new)));
    }
}
