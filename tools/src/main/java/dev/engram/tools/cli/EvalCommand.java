package dev.engram.tools.cli;

import dev.engram.retriever.eval.PairedTest;
import dev.engram.retriever.tuning.Continuation;
import dev.engram.tools.eval.BeirEvaluation;
import dev.engram.tools.eval.EvalEncoder;
import dev.engram.tools.eval.EvalOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code engram eval}: does Engram help on my data? ({@link BeirEvaluation}). */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        header = "Measure whether Engram helps on a collection of your own, in the BEIR layout.",
        description = {
            "Load a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv), split its judged queries per seed into",
            "feedback tasks and new tasks, let simulated agents judge the untuned hybrid's top cases for the feedback",
            "tasks (useful iff the qrels say relevant), fit Engram's learned ranker policy on that feedback, and score",
            "BM25, dense, the untuned hybrid, score fusion, judged-case reuse, the selector blend and the full policy",
            "(with --lora also the query-side LoRA adapter) by nDCG@10 on new tasks and on recurring tasks.",
            "Prints mean ± sd over seeds with paired tests against the best untuned system; writes eval.json,",
            "per-query.tsv and table.txt into --out. Cranfield ships in data/beir/cranfield."
        })
final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--beir",
            required = true,
            paramLabel = "DIR",
            description = "The BEIR folder: corpus.jsonl, queries.jsonl and qrels/<split>.tsv.")
    Path beir;

    @Option(
            names = "--split",
            defaultValue = EvalOptions.DEFAULT_SPLIT,
            paramLabel = "NAME",
            description = "The qrels split, qrels/NAME.tsv (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(
            names = "--seeds",
            defaultValue = "" + EvalOptions.DEFAULT_SEEDS,
            paramLabel = "N",
            description = "Seeded splits to average over (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--first-seed",
            defaultValue = "" + EvalOptions.DEFAULT_FIRST_SEED,
            paramLabel = "SEED",
            description = "The first seed; the others follow it (default: ${DEFAULT-VALUE}).")
    long firstSeed;

    @Option(
            names = "--rounds",
            defaultValue = "" + EvalOptions.DEFAULT_ROUNDS,
            paramLabel = "N",
            description = "Feedback arrives in N seeded slices; the policy is refitted and gated after each "
                    + "(default: ${DEFAULT-VALUE}: no rounds).")
    int rounds;

    @Option(
            names = "--gate-fraction",
            defaultValue = "" + EvalOptions.DEFAULT_GATE_FRACTION,
            paramLabel = "F",
            description = "In rounds, the share of each slice held out for the gate (default: ${DEFAULT-VALUE}).")
    double gateFraction;

    @Option(
            names = "--gate-confidence",
            defaultValue = "" + PairedTest.DEFAULT_CONFIDENCE,
            paramLabel = "C",
            description =
                    "In rounds, the coverage of the gate's paired-bootstrap interval (default: ${DEFAULT-VALUE}).")
    double gateConfidence;

    @Option(
            names = "--gate-max-loss",
            defaultValue = "" + PairedTest.DEFAULT_MAX_LOSS,
            paramLabel = "L",
            description = "In rounds, the largest nDCG@10 loss the gate accepts at the interval's lower bound, as the"
                    + " node's gate (default: ${DEFAULT-VALUE}).")
    double gateMaxLoss;

    @Option(
            names = "--continuation",
            split = ",",
            paramLabel = "STRATEGY",
            description = "With --lora and --rounds: the LoRA continuation strategies to train round by round and"
                    + " compare, any of ${COMPLETION-CANDIDATES} (default: all of them).")
    List<Continuation> continuations;

    @Option(
            names = "--feedback-fraction",
            defaultValue = "" + EvalOptions.DEFAULT_FEEDBACK_FRACTION,
            paramLabel = "F",
            description =
                    "Share of the judged queries that give feedback; the rest are new tasks (default: ${DEFAULT-VALUE}).")
    double feedbackFraction;

    @Option(
            names = "--feedback-k",
            defaultValue = "" + EvalOptions.DEFAULT_FEEDBACK_K,
            paramLabel = "K",
            description = "Cases an agent recalls and judges per feedback task (default: ${DEFAULT-VALUE}).")
    int feedbackK;

    @Option(
            names = "--feedback-passes",
            defaultValue = "" + EvalOptions.DEFAULT_FEEDBACK_PASSES,
            paramLabel = "N",
            description = "How often the agents ask and judge each feedback task: the first pass recalls from the"
                    + " untuned hybrid, each later one from the policy a round proposes (default: ${DEFAULT-VALUE}).")
    int feedbackPasses;

    @Option(
            names = "--query-max-length",
            defaultValue = "" + EvalOptions.DEFAULT_QUERY_MAX_LENGTH,
            paramLabel = "N",
            description = "Word pieces per query (default: ${DEFAULT-VALUE}).")
    int queryMaxLength;

    @Option(
            names = "--doc-max-length",
            defaultValue = "" + EvalOptions.DEFAULT_DOC_MAX_LENGTH,
            paramLabel = "N",
            description = "Word pieces per document (default: ${DEFAULT-VALUE}).")
    int docMaxLength;

    @Option(
            names = "--encoder",
            defaultValue = "minilm",
            paramLabel = "NAME",
            description = "The base encoder of cases and tasks: minilm, bge-small (bge-small-en-v1.5 with its query"
                    + " instruction) or bge-small-plain (without it) (default: ${DEFAULT-VALUE}).")
    String encoder;

    @Option(names = "--lora", description = "Also train the query-side LoRA adapter per seed (minutes per seed).")
    boolean lora;

    @Option(
            names = "--reuse-variants",
            description = "Also fit and score the variants of the proposed policy's reuse (fitted β, weighing, task"
                    + " words, fitted feedback λ; measured, not adopted): minutes of fitting and about 2 GiB more"
                    + " heap per run.")
    boolean reuseVariants;

    @Option(
            names = "--out",
            defaultValue = "eval-out",
            paramLabel = "DIR",
            description = "Where eval.json, per-query.tsv and table.txt go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        EvalOptions options = EvalOptions.defaults(beir)
                .withSplit(split)
                .withSeeds(seeds)
                .withFirstSeed(firstSeed)
                .withRounds(rounds)
                .withGateFraction(gateFraction)
                .withFeedbackFraction(feedbackFraction)
                .withFeedbackK(feedbackK)
                .withFeedbackPasses(feedbackPasses)
                .withQueryMaxLength(queryMaxLength)
                .withDocMaxLength(docMaxLength)
                .withEncoder(EvalEncoder.fromCliName(encoder))
                .withGateConfidence(gateConfidence)
                .withGateMaxLoss(gateMaxLoss)
                .withLora(lora)
                .withReuseVariants(reuseVariants)
                .withContinuations(
                        continuations == null || continuations.isEmpty()
                                ? List.of(Continuation.values())
                                : continuations)
                .withOut(out);
        BeirEvaluation.run(
                options, spec.commandLine().getOut(), spec.commandLine().getErr());
        return 0;
    }
}
