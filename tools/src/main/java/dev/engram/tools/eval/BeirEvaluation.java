package dev.engram.tools.eval;

import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.BeirLoader;
import dev.engram.retriever.eval.EvalDataset;
import dev.engram.retriever.eval.QuerySplit;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Does Engram help on my data? Evaluates Engram's recall on any collection in the BEIR layout,
 * with feedback simulated from its judgements, in two regimes: new tasks (held out, never given
 * feedback) and recurring tasks (the feedback tasks asked again).
 *
 * <p>Per seed: a seeded split of the judged queries into feedback tasks and new tasks; the corpus as
 * the cases of the seed's tenant in a {@code LuceneCaseStore} (document vectors embedded once, by the
 * base encoder's document tower (MiniLM unless {@code encoder} says otherwise), for every seed); simulated agents recall the top {@code feedbackK}
 * of each feedback task from the untuned hybrid and judge each case useful iff the qrels say
 * relevant; the learned policy ({@link LearnedPolicy}) is fitted on that feedback alone; every
 * {@link EvalSystem} is scored by nDCG@10 on both regimes. Then the table: mean ± sd over seeds and
 * paired tests against the best untuned system ({@link RegimeTables}).
 *
 * <pre>{@code
 * EvalReport report = BeirEvaluation.run(EvalOptions.defaults(Path.of("data/beir/cranfield")),
 *         new PrintWriter(System.out, true), new PrintWriter(System.err, true));
 * report.regime("new").row("policy").meanNdcgAt10();
 * }</pre>
 */
public final class BeirEvaluation {

    private BeirEvaluation() {}

    /**
     * Runs the evaluation, prints the table on {@code out} (progress on {@code err}) and writes the
     * results into {@code options.out()}.
     *
     * @throws java.io.UncheckedIOException when the folder or a split is missing (the message lists the splits
     *     there are) or the results cannot be written
     * @throws IllegalArgumentException when the collection cannot be split into feedback and new tasks
     */
    public static EvalReport run(EvalOptions options, PrintWriter out, PrintWriter err) {
        EvalProgress progress = new EvalProgress(err, options.progressBars());
        try (ResourceMonitor monitor = new ResourceMonitor()) {
            EvalDataset data;
            try (var phase = monitor.phase("load")) {
                data = BeirLoader.load(options.beirDir(), options.split());
            }
            long[] seeds = options.seedValues();
            checkSplittable(data, options, seeds[0]);
            progress.note(
                    "%s: %d documents, %d judged queries (split %s); seeds %s",
                    data.name(),
                    data.docs().size(),
                    data.judgedQueries().size(),
                    options.split(),
                    Arrays.toString(seeds));

            List<SeedEvaluation.SeedResult> results = new ArrayList<>();
            TextEncoder queryEncoder = null;
            EmbeddingCost embeddingCost;
            try {
                queryEncoder = TextEncoder.load(options.encoder().config(options.queryMaxLength()));
                EvalCorpus corpus;
                long embedStart = System.nanoTime();
                try (var phase = monitor.phase("embed documents")) {
                    corpus = embedCorpus(data, options, queryEncoder, progress);
                }
                double docSeconds = (System.nanoTime() - embedStart) / 1e9;
                embeddingCost = EmbeddingCost.measure(
                        options.encoder(), data.docs().size(), docSeconds, data.judgedQueries(), queryEncoder);
                try (corpus) {
                    QueryTower baseTower;
                    try (var phase = monitor.phase("embed queries")) {
                        TextEncoder encoder = queryEncoder;
                        baseTower = QueryTower.embed(
                                encoder.modelId(), data.judgedQueries(), encoder::embedQueries, progress, "embed q");
                    }
                    SeedEvaluation seedEvaluation =
                            new SeedEvaluation(data, options, corpus, queryEncoder, baseTower, progress, monitor);
                    for (long seed : seeds) {
                        results.add(seedEvaluation.run(seed));
                    }
                }
            } finally {
                if (queryEncoder != null) {
                    queryEncoder.close();
                }
            }
            List<QueryScore> scores =
                    results.stream().flatMap(r -> r.scores().stream()).toList();
            EvalReport report = report(options, data, seeds, results, scores, monitor.snapshot());
            EvalReportWriter.write(report, scores, options.out());
            out.print(EvalReportWriter.table(report));
            out.println(embeddingCost.line());
            out.println("Results: " + options.out().resolve(EvalReportWriter.JSON_FILE) + ", "
                    + options.out().resolve(EvalReportWriter.PER_QUERY_FILE));
            out.flush();
            return report;
        }
    }

    /** The documents through the document tower: its own encoder when its length differs from the queries'. */
    private static EvalCorpus embedCorpus(
            EvalDataset data, EvalOptions options, TextEncoder queryEncoder, EvalProgress progress) {
        if (options.docMaxLength() == options.queryMaxLength()) {
            return EvalCorpus.build(data, queryEncoder, progress);
        }
        // one tokenizer truncates at one length: a second copy of the base model for the documents,
        // freed once they are embedded
        try (TextEncoder documentEncoder = TextEncoder.load(options.encoder().config(options.docMaxLength()))) {
            return EvalCorpus.build(data, documentEncoder, progress);
        }
    }

    private static void checkSplittable(EvalDataset data, EvalOptions options, long seed) {
        QuerySplit split = QuerySplit.split(data, options.feedbackFraction(), seed);
        if (split.feedback().isEmpty() || split.heldOut().isEmpty()) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "%s has %d judged queries in split %s: a "
                            + "feedback fraction of %.2f leaves %d feedback and %d new tasks; both need at least one",
                    data.name(),
                    data.judgedQueries().size(),
                    options.split(),
                    options.feedbackFraction(),
                    split.feedback().size(),
                    split.heldOut().size()));
        }
    }

    private static EvalReport report(
            EvalOptions options,
            EvalDataset data,
            long[] seeds,
            List<SeedEvaluation.SeedResult> results,
            List<QueryScore> scores,
            ResourceMonitor.Resources resources) {
        EvalReport.Dataset dataset = new EvalReport.Dataset(
                data.name(),
                options.beirDir().toString(),
                options.split(),
                data.docs().size(),
                data.judgedQueries().size(),
                Arrays.stream(seeds).boxed().toList(),
                results.stream().map(SeedEvaluation.SeedResult::feedbackTasks).toList(),
                results.stream().map(SeedEvaluation.SeedResult::newTasks).toList());
        String protocol = String.format(
                Locale.ROOT,
                "Per seed: %.0f%% of the judged queries are feedback tasks, the"
                        + " rest new tasks; simulated agents judge the top %d of the untuned hybrid (useful iff the qrels say"
                        + " relevant)%s; the learned systems are fitted on those verdicts alone; query tower %d word pieces,"
                        + " document tower %d.",
                100 * options.feedbackFraction(),
                options.feedbackK(),
                options.feedbackPasses() == 1
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                ", then %d more passes of the top %d of the policy a round proposes after the passes"
                                        + " before (verdicts accumulate)",
                                options.feedbackPasses() - 1,
                                options.feedbackK()),
                options.queryMaxLength(),
                options.docMaxLength());
        String pairedTests = "per-query nDCG@10 gain over the baseline (the best untuned system), pooled over seeds"
                + " (n = seeds x tasks; a task in several seeds counts once per seed), in points: mean, 95% paired"
                + " bootstrap interval, two-sided sign-flip p (PairedTest); per-seed tests in eval.json";
        List<RoundResult> details =
                results.stream().flatMap(r -> r.rounds().stream()).toList();
        return new EvalReport(
                dataset,
                EvalReportWriter.options(options),
                protocol,
                pairedTests,
                RegimeTables.of(scores, seeds, EvalSystem.scored(options.lora(), options.reuseVariants())),
                results.stream().flatMap(r -> r.fits().stream()).toList(),
                results.stream()
                        .map(SeedEvaluation.SeedResult::lora)
                        .filter(java.util.Objects::nonNull)
                        .toList(),
                RoundSummaries.of(details),
                details,
                RoundSummaries.agreement(details),
                RoundSummaries.otherRules(details),
                resources);
    }
}
