package dev.engram.tools.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a report: the table people read ({@link #table}), and in the output folder
 * {@code eval.json} (the {@link EvalReport}), {@code per-query.tsv} (seed, regime, query id, system,
 * nDCG@10) and {@code table.txt}.
 */
final class EvalReportWriter {

    static final String JSON_FILE = "eval.json";
    static final String PER_QUERY_FILE = "per-query.tsv";
    static final String TABLE_FILE = "table.txt";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EvalReportWriter() {}

    static void write(EvalReport report, List<QueryScore> scores, Path out) {
        try {
            Files.createDirectories(out);
            JSON.writeValue(out.resolve(JSON_FILE).toFile(), report);
            try (BufferedWriter w = Files.newBufferedWriter(out.resolve(PER_QUERY_FILE), StandardCharsets.UTF_8)) {
                w.write("seed\tregime\tquery_id\tsystem\tndcg_at_10\n");
                for (QueryScore s : scores) {
                    w.write(String.format(
                            Locale.ROOT,
                            "%d\t%s\t%s\t%s\t%.6f%n",
                            s.seed(),
                            s.regime().label(),
                            s.queryId(),
                            s.system().label(),
                            s.ndcgAt10()));
                }
            }
            Files.writeString(out.resolve(TABLE_FILE), table(report), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the evaluation's results into " + out, e);
        }
    }

    /** The report as people read it: the setup, one table per regime, LoRA, rounds, time and memory. */
    static String table(EvalReport r) {
        StringBuilder sb = new StringBuilder();
        EvalReport.Dataset d = r.dataset();
        line(
                sb,
                "%s (%s, split %s): %d documents, %d judged queries",
                d.name(),
                d.dir(),
                d.split(),
                d.documents(),
                d.judgedQueries());
        line(
                sb,
                "%d seed%s (%s): %s feedback tasks / %s new tasks",
                d.seeds().size(),
                d.seeds().size() == 1 ? "" : "s",
                d.seeds().stream().map(String::valueOf).collect(Collectors.joining(", ")),
                join(d.feedbackTasks()),
                join(d.newTasks()));
        line(sb, "%s", r.protocol());
        line(sb, "nDCG@10: mean ± sd over seeds. Gain: %s", r.pairedTests());
        for (EvalReport.RegimeTable t : r.regimes()) {
            line(sb, "");
            line(sb, "%s; baseline: %s", capitalised(t.description()), t.baseline());
            line(sb, "%-20s %-17s %6s %8s  %-17s %7s", "system", "nDCG@10", "R@100", "gain", "95% interval", "p");
            for (EvalReport.SystemRow row : t.systems()) {
                String ndcg = String.format(
                        Locale.ROOT,
                        "%.4f ± %s",
                        row.meanNdcgAt10(),
                        row.sdNdcgAt10() == null ? "-" : String.format(Locale.ROOT, "%.4f", row.sdNdcgAt10()));
                Gain g = row.vsBaseline();
                line(
                        sb,
                        "%-20s %-17s %6.4f %8s  %-17s %7s",
                        row.system(),
                        ndcg,
                        row.meanRecallAt100(),
                        g == null ? "baseline" : String.format(Locale.ROOT, "%+.2f", 100 * g.meanGain()),
                        g == null ? "" : String.format(Locale.ROOT, "[%+.2f, %+.2f]", 100 * g.lower(), 100 * g.upper()),
                        g == null ? "" : String.format(Locale.ROOT, "%.4f", g.pValue()));
            }
        }
        line(sb, "");
        line(
                sb,
                "Fitted policies (BM25 weight w chosen on the feedback tasks' verdicts only; reuse and selector at "
                        + "RankerPolicy's defaults):");
        for (PolicyFit f : r.fits()) {
            line(
                    sb,
                    "  seed %d, %s: %s (%d tasks, %d judged recalls, %d useful; fit %.1f s)",
                    f.seed(),
                    f.tower(),
                    f.policy(),
                    f.feedbackTasks(),
                    f.judgedRecalls(),
                    f.usefulRecalls(),
                    f.seconds());
            if (f.proposedLooNdcg() != null) {
                line(
                        sb,
                        "    proposed: %s (search fitted leave-one-out: nDCG@10 %.4f on the feedback tasks' verdicts,"
                                + " RRF %.4f)",
                        f.proposed(),
                        f.proposedLooNdcg(),
                        f.baseLooNdcg());
            }
            if (f.expansion() != null) {
                line(sb, "    %s", f.expansion());
            }
            f.variants().forEach(v -> line(sb, "    %s", v));
        }
        if (!r.lora().isEmpty()) {
            line(sb, "");
            for (LoraRound l : r.lora()) {
                line(
                        sb,
                        "LoRA seed %d: %d examples, %d steps, %.1f s, loss %.3f -> %.3f",
                        l.seed(),
                        l.examples(),
                        l.steps(),
                        l.seconds(),
                        l.firstLoss(),
                        l.lastLoss());
            }
        }
        if (!r.rounds().isEmpty()) {
            rounds(sb, r);
        }
        line(sb, "");
        ResourceMonitor.Resources res = r.resources();
        line(
                sb,
                "Time %.0f s (%s); %d CPUs",
                res.seconds(),
                res.phaseSeconds().entrySet().stream()
                        .map(e -> String.format(Locale.ROOT, "%s %.0f s", e.getKey(), e.getValue()))
                        .collect(Collectors.joining(", ")),
                res.cpus());
        line(
                sb,
                "Memory: peak heap %d MiB (of %d MiB max), peak RSS %s",
                res.peakHeapMiB(),
                res.maxHeapMiB(),
                res.peakRssMiB() == null ? "unknown (not Linux)" : res.peakRssMiB() + " MiB");
        return sb.toString();
    }

    private static void rounds(StringBuilder sb, EvalReport r) {
        Object confidence = r.options().get("gateConfidence");
        Object maxLoss = r.options().get("gateMaxLoss");
        line(sb, "");
        line(sb, "Rounds: each round every system proposes a candidate (policy: the ranker policy refitted on the");
        line(sb, "feedback so far; LoRA <strategy>: the round's query-side adapter under untuned RRF). The gate");
        line(
                sb,
                "(PairedTest.verdict: promote when the %s%% interval's lower bound >= -%s and the mean gain >= 0) compares",
                Math.round(100 * ((Number) confidence).doubleValue()),
                maxLoss);
        line(sb, "it with that system's serving version (round 0: untuned hybrid RRF) on every gate task held out so");
        line(sb, "far; a promoted candidate serves from then on. Truth: the same two on the new tasks. nDCG@10 mean ±");
        line(sb, "sd over seeds; vs RRF: gain over untuned hybrid RRF in points, pooled over seeds, [95%] and p.");
        String system = null;
        for (EvalReport.RoundSummary s : r.rounds()) {
            if (!s.system().equals(system)) {
                system = s.system();
                line(sb, "");
                line(
                        sb,
                        "%-14s %-5s %5s %4s  %-16s %-26s %-16s %-26s %7s %8s %7s %7s",
                        system,
                        "round",
                        "train",
                        "gate",
                        "new tasks",
                        "vs RRF [95%] p",
                        "recurring",
                        "vs RRF [95%] p",
                        "truth",
                        "serving",
                        "promo",
                        "agrees");
            }
            line(
                    sb,
                    "%-14s %-5d %5.0f %4.0f  %-16s %-26s %-16s %-26s %+7.2f %8.4f %7s %7s",
                    "",
                    s.round(),
                    s.meanTrainingTasks(),
                    s.meanGateTasks(),
                    meanSd(s.meanNewTasksNdcg(), s.sdNewTasksNdcg()),
                    gain(s.vsUntunedNew()),
                    meanSd(s.meanRecurringNdcg(), s.sdRecurringNdcg()),
                    gain(s.vsUntunedRecurring()),
                    100 * s.meanTrueGain(),
                    s.meanServingNdcg(),
                    s.promoted() + "/" + s.seeds(),
                    s.agreed() + "/" + s.seeds());
        }
        line(sb, "");
        line(sb, "Gate agreement with the true direction on new tasks (promote iff the true mean gain >= 0):");
        for (EvalReport.GateAgreement g : r.gate()) {
            line(
                    sb,
                    "  %-22s %3d of %3d (%.0f%%); where the truth is clear %d of %d; promoted %d, of which %d lost"
                            + " > 0.5 points; the gate's interval showed gain %d, no measurable change %d, loss %d",
                    g.system(),
                    g.agreed(),
                    g.candidates(),
                    g.candidates() == 0 ? 0.0 : 100.0 * g.agreed() / g.candidates(),
                    g.agreedWhereClear(),
                    g.clear(),
                    g.promoted(),
                    g.promotedLosingOverHalfAPoint(),
                    g.showedGain(),
                    g.showedNoChange(),
                    g.showedLoss());
        }
        if (!r.otherGateRules().isEmpty()) {
            line(
                    sb,
                    "Other gate rules on the same candidates, for comparison (agreement with the truth, all systems):");
            r.otherGateRules().forEach((rule, agreed) -> line(sb, "  %-32s %s", rule, agreed));
        }
    }

    private static String meanSd(double mean, Double sd) {
        return String.format(Locale.ROOT, "%.4f ± %s", mean, sd == null ? "-" : String.format(Locale.ROOT, "%.4f", sd));
    }

    private static String gain(Gain g) {
        return g == null
                ? "-"
                : String.format(
                        Locale.ROOT,
                        "%+.2f [%+.2f, %+.2f] %.3f",
                        100 * g.meanGain(),
                        100 * g.lower(),
                        100 * g.upper(),
                        g.pValue());
    }

    static Map<String, Object> options(EvalOptions o) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("beir", o.beirDir().toString());
        m.put("split", o.split());
        m.put("seeds", o.seeds());
        m.put("firstSeed", o.firstSeed());
        m.put("rounds", o.rounds());
        m.put("gateFraction", o.gateFraction());
        m.put("gateConfidence", o.gateConfidence());
        m.put("gateMaxLoss", o.gateMaxLoss());
        m.put("continuations", o.continuations().stream().map(Enum::name).toList());
        m.put("feedbackFraction", o.feedbackFraction());
        m.put("feedbackK", o.feedbackK());
        m.put("feedbackPasses", o.feedbackPasses());
        m.put("queryMaxLength", o.queryMaxLength());
        m.put("docMaxLength", o.docMaxLength());
        m.put("lora", o.lora());
        m.put("reuseVariants", o.reuseVariants());
        m.put("out", o.out().toString());
        return m;
    }

    private static String join(List<?> values) {
        return values.stream().map(String::valueOf).distinct().collect(Collectors.joining("/"));
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(args.length == 0 ? format : String.format(Locale.ROOT, format, args))
                .append('\n');
    }
}
