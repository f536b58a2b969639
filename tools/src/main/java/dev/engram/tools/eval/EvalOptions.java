package dev.engram.tools.eval;

import dev.engram.retriever.eval.PairedTest;
import dev.engram.retriever.tuning.Continuation;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What {@code engram eval} runs with. Every default is declared here:
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code beirDir}</td><td>required</td><td>a BEIR folder: {@code corpus.jsonl},
 *       {@code queries.jsonl}, {@code qrels/<split>.tsv}</td></tr>
 *   <tr><td>{@code split}</td><td>{@value #DEFAULT_SPLIT}</td><td>the qrels file to judge with</td></tr>
 *   <tr><td>{@code seeds}</td><td>{@value #DEFAULT_SEEDS}</td><td>seeded splits, seeds
 *       {@code firstSeed} … {@code firstSeed + seeds − 1}</td></tr>
 *   <tr><td>{@code firstSeed}</td><td>{@value #DEFAULT_FIRST_SEED}</td><td>the first seed</td></tr>
 *   <tr><td>{@code rounds}</td><td>{@value #DEFAULT_ROUNDS}</td><td>feedback tasks arrive in this
 *       many seeded slices; the policy is refitted after each and gated against the previous
 *       round's (1: no rounds section)</td></tr>
 *   <tr><td>{@code gateFraction}</td><td>{@value #DEFAULT_GATE_FRACTION}</td><td>in rounds, the share
 *       of each slice held out for the gate and never fitted on, as the node's scheduler does</td></tr>
 *   <tr><td>{@code gateConfidence}</td><td>0.95 ({@link PairedTest#DEFAULT_CONFIDENCE})</td><td>in
 *       rounds, the coverage of the gate's paired-bootstrap interval</td></tr>
 *   <tr><td>{@code gateMaxLoss}</td><td>0.01 ({@link PairedTest#DEFAULT_MAX_LOSS})</td><td>in rounds,
 *       the largest nDCG@10 loss the gate accepts at the interval's lower bound (the node's
 *       default); it also asks for a mean gain ≥ 0</td></tr>
 *   <tr><td>{@code feedbackFraction}</td><td>{@value #DEFAULT_FEEDBACK_FRACTION}</td><td>the share of
 *       judged queries that are feedback tasks; the rest are new (held-out) tasks</td></tr>
 *   <tr><td>{@code feedbackK}</td><td>{@value #DEFAULT_FEEDBACK_K}</td><td>cases a simulated agent
 *       recalls and judges per feedback task</td></tr>
 *   <tr><td>{@code feedbackPasses}</td><td>{@value #DEFAULT_FEEDBACK_PASSES}</td><td>how often the
 *       agents ask each feedback task: the first pass recalls from the untuned hybrid, each later one
 *       from the policy a round proposes after the passes before it (as agents of a node whose
 *       policy was promoted); verdicts accumulate</td></tr>
 *   <tr><td>{@code queryMaxLength}</td><td>{@value #DEFAULT_QUERY_MAX_LENGTH}</td><td>word pieces per
 *       query (query tower)</td></tr>
 *   <tr><td>{@code docMaxLength}</td><td>{@value #DEFAULT_DOC_MAX_LENGTH}</td><td>word pieces per
 *       document (document tower; sentence-transformers' 256 for MiniLM)</td></tr>
 *   <tr><td>{@code encoder}</td><td>{@code minilm}</td><td>the base encoder of cases and tasks:
 *       {@code minilm}, {@code bge-small} (with its query instruction) or {@code bge-small-plain}</td></tr>
 *   <tr><td>{@code lora}</td><td>false</td><td>also train the query-side LoRA adapter per seed</td></tr>
 *   <tr><td>{@code reuseVariants}</td><td>false</td><td>also fit and score the measured, not
 *       adopted variants of the proposed policy's reuse ({@code + fitted β} … {@code + fitted
 *       feedback λ}); their leave-one-out fits add minutes and gigabytes to a run</td></tr>
 *   <tr><td>{@code continuations}</td><td>all four</td><td>with {@code lora} and rounds, the
 *       {@link Continuation} strategies whose adapter chains are trained round by round and
 *       gated</td></tr>
 *   <tr><td>{@code out}</td><td>{@code eval-out}</td><td>where {@code eval.json},
 *       {@code per-query.tsv} and {@code table.txt} go</td></tr>
 *   <tr><td>{@code progressBars}</td><td>when a console is attached</td><td>redraw progress bars in
 *       place; otherwise print each finished step</td></tr>
 * </table>
 *
 * <pre>{@code
 * EvalOptions options = EvalOptions.defaults(Path.of("data/beir/cranfield")).withSeeds(3).withRounds(4);
 * }</pre>
 *
 * @param beirDir the BEIR folder; required
 * @param split the qrels split, a plain name
 * @param seeds how many seeded splits, in [1, 100]
 * @param firstSeed the first seed
 * @param rounds slices the feedback tasks arrive in, in [1, 50]
 * @param gateFraction share of each round's slice held out for the gate, in [0, 0.9]
 * @param gateConfidence the gate interval's coverage, in [0.5, 1)
 * @param gateMaxLoss the gate's largest loss at the interval's lower bound, in [0, 1]
 * @param feedbackFraction share of judged queries that give feedback, in (0, 1)
 * @param feedbackK cases judged per feedback task, in [1, 100]
 * @param feedbackPasses how often each feedback task is asked and judged, in [1, 20]
 * @param queryMaxLength query word pieces, in [8, 512]
 * @param docMaxLength document word pieces, in [8, 512]
 * @param encoder the base encoder of cases and tasks; required
 * @param lora whether to train and score the query-side LoRA adapter
 * @param reuseVariants whether to fit and score the variants of the proposed policy's reuse
 * @param continuations the LoRA continuation strategies compared in rounds, at least one
 * @param out the output folder; required
 * @param progressBars whether progress bars redraw in place
 */
public record EvalOptions(
        Path beirDir,
        String split,
        int seeds,
        long firstSeed,
        int rounds,
        double gateFraction,
        double gateConfidence,
        double gateMaxLoss,
        double feedbackFraction,
        int feedbackK,
        int feedbackPasses,
        int queryMaxLength,
        int docMaxLength,
        EvalEncoder encoder,
        boolean lora,
        boolean reuseVariants,
        List<Continuation> continuations,
        Path out,
        boolean progressBars) {

    public static final String DEFAULT_SPLIT = "test";
    public static final int DEFAULT_SEEDS = 3;
    public static final long DEFAULT_FIRST_SEED = 1;
    public static final int DEFAULT_ROUNDS = 1;
    public static final double DEFAULT_GATE_FRACTION = 0.2;
    public static final double DEFAULT_FEEDBACK_FRACTION = 0.6;
    public static final int DEFAULT_FEEDBACK_K = 20;
    public static final int DEFAULT_FEEDBACK_PASSES = 1;
    public static final int DEFAULT_QUERY_MAX_LENGTH = 64;
    public static final int DEFAULT_DOC_MAX_LENGTH = 256;
    public static final EvalEncoder DEFAULT_ENCODER = EvalEncoder.minilm;
    public static final Path DEFAULT_OUT = Path.of("eval-out");

    public EvalOptions {
        Objects.requireNonNull(beirDir, "evalOptions.beirDir is required (a BEIR folder)");
        if (split == null || !split.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("evalOptions.split must be a plain name such as 'test', was " + split);
        }
        within("seeds", seeds, 1, 100);
        within("rounds", rounds, 1, 50);
        if (!(gateFraction >= 0 && gateFraction <= 0.9)) {
            throw new IllegalArgumentException("evalOptions.gateFraction must be in [0, 0.9], was " + gateFraction);
        }
        if (!(gateConfidence >= 0.5 && gateConfidence < 1)) {
            throw new IllegalArgumentException(
                    "evalOptions.gateConfidence must be in [0.5, 1), e.g. 0.95, was " + gateConfidence);
        }
        if (!(gateMaxLoss >= 0 && gateMaxLoss <= 1)) {
            throw new IllegalArgumentException(
                    "evalOptions.gateMaxLoss must be in [0, 1] (an nDCG@10 difference), was " + gateMaxLoss);
        }
        if (continuations == null || continuations.isEmpty()) {
            throw new IllegalArgumentException("evalOptions.continuations needs at least one of "
                    + List.of(Continuation.values()) + ", was " + continuations);
        }
        continuations = List.copyOf(new java.util.LinkedHashSet<>(continuations));
        if (!(feedbackFraction > 0 && feedbackFraction < 1)) {
            throw new IllegalArgumentException("evalOptions.feedbackFraction must be in (0, 1): some tasks give "
                    + "feedback and some stay new, was " + feedbackFraction);
        }
        within("feedbackK", feedbackK, 1, 100);
        within("feedbackPasses", feedbackPasses, 1, 20);
        within("queryMaxLength", queryMaxLength, 8, 512);
        within("docMaxLength", docMaxLength, 8, 512);
        Objects.requireNonNull(encoder, "evalOptions.encoder is required (e.g. minilm)");
        Objects.requireNonNull(out, "evalOptions.out is required");
    }

    private static void within(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    "evalOptions." + field + " must be in [" + min + ", " + max + "], was " + value);
        }
    }

    /** The defaults for a BEIR folder. */
    public static EvalOptions defaults(Path beirDir) {
        return new EvalOptions(
                beirDir,
                DEFAULT_SPLIT,
                DEFAULT_SEEDS,
                DEFAULT_FIRST_SEED,
                DEFAULT_ROUNDS,
                DEFAULT_GATE_FRACTION,
                PairedTest.DEFAULT_CONFIDENCE,
                PairedTest.DEFAULT_MAX_LOSS,
                DEFAULT_FEEDBACK_FRACTION,
                DEFAULT_FEEDBACK_K,
                DEFAULT_FEEDBACK_PASSES,
                DEFAULT_QUERY_MAX_LENGTH,
                DEFAULT_DOC_MAX_LENGTH,
                DEFAULT_ENCODER,
                false,
                false,
                List.of(Continuation.values()),
                DEFAULT_OUT,
                System.console() != null);
    }

    /** The seeds of the run, in order. */
    public long[] seedValues() {
        long[] values = new long[seeds];
        for (int i = 0; i < seeds; i++) {
            values[i] = firstSeed + i;
        }
        return values;
    }

    public EvalOptions withSplit(String v) {
        return with(c -> c.split = v);
    }

    public EvalOptions withSeeds(int v) {
        return with(c -> c.seeds = v);
    }

    public EvalOptions withFirstSeed(long v) {
        return with(c -> c.firstSeed = v);
    }

    public EvalOptions withRounds(int v) {
        return with(c -> c.rounds = v);
    }

    public EvalOptions withGateFraction(double v) {
        return with(c -> c.gateFraction = v);
    }

    public EvalOptions withGateConfidence(double v) {
        return with(c -> c.gateConfidence = v);
    }

    public EvalOptions withGateMaxLoss(double v) {
        return with(c -> c.gateMaxLoss = v);
    }

    public EvalOptions withFeedbackFraction(double v) {
        return with(c -> c.feedbackFraction = v);
    }

    public EvalOptions withFeedbackK(int v) {
        return with(c -> c.feedbackK = v);
    }

    public EvalOptions withFeedbackPasses(int v) {
        return with(c -> c.feedbackPasses = v);
    }

    public EvalOptions withQueryMaxLength(int v) {
        return with(c -> c.queryMaxLength = v);
    }

    public EvalOptions withDocMaxLength(int v) {
        return with(c -> c.docMaxLength = v);
    }

    public EvalOptions withEncoder(EvalEncoder v) {
        return with(c -> c.encoder = v);
    }

    public EvalOptions withLora(boolean v) {
        return with(c -> c.lora = v);
    }

    public EvalOptions withReuseVariants(boolean v) {
        return with(c -> c.reuseVariants = v);
    }

    public EvalOptions withContinuations(List<Continuation> v) {
        return with(c -> c.continuations = v);
    }

    public EvalOptions withOut(Path v) {
        return with(c -> c.out = v);
    }

    public EvalOptions withProgressBars(boolean v) {
        return with(c -> c.progressBars = v);
    }

    private EvalOptions with(Consumer<Copy> change) {
        Copy copy = new Copy(this);
        change.accept(copy);
        return copy.build();
    }

    /** A mutable copy of the settings, so that each {@code withX} changes one and validates all. */
    private static final class Copy {
        Path beirDir;
        String split;
        int seeds;
        long firstSeed;
        int rounds;
        double gateFraction;
        double gateConfidence;
        double gateMaxLoss;
        double feedbackFraction;
        int feedbackK;
        int feedbackPasses;
        int queryMaxLength;
        int docMaxLength;
        EvalEncoder encoder;
        boolean lora;
        boolean reuseVariants;
        List<Continuation> continuations;
        Path out;
        boolean progressBars;

        Copy(EvalOptions o) {
            beirDir = o.beirDir;
            split = o.split;
            seeds = o.seeds;
            firstSeed = o.firstSeed;
            rounds = o.rounds;
            gateFraction = o.gateFraction;
            gateConfidence = o.gateConfidence;
            gateMaxLoss = o.gateMaxLoss;
            feedbackFraction = o.feedbackFraction;
            feedbackK = o.feedbackK;
            feedbackPasses = o.feedbackPasses;
            queryMaxLength = o.queryMaxLength;
            docMaxLength = o.docMaxLength;
            encoder = o.encoder;
            lora = o.lora;
            reuseVariants = o.reuseVariants;
            continuations = o.continuations;
            out = o.out;
            progressBars = o.progressBars;
        }

        EvalOptions build() {
            return new EvalOptions(
                    beirDir,
                    split,
                    seeds,
                    firstSeed,
                    rounds,
                    gateFraction,
                    gateConfidence,
                    gateMaxLoss,
                    feedbackFraction,
                    feedbackK,
                    feedbackPasses,
                    queryMaxLength,
                    docMaxLength,
                    encoder,
                    lora,
                    reuseVariants,
                    continuations,
                    out,
                    progressBars);
        }
    }
}
