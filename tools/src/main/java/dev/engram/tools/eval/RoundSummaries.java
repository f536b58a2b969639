package dev.engram.tools.eval;

import dev.engram.retriever.eval.PairedTest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Rounds mode over the seeds: per system and round, means, the tests against untuned RRF pooled
 * over seeds, and how often the gate promoted and agreed with the truth; and the gate's agreement
 * over every candidate.
 */
final class RoundSummaries {

    /** A promoted version may lose at most this much new-task nDCG@10 against the one it replaced. */
    static final double PROMOTED_LOSS_ALLOWANCE = 0.005;

    private RoundSummaries() {}

    static List<EvalReport.RoundSummary> of(List<RoundResult> details) {
        Map<String, TreeMap<Integer, List<RoundResult>>> bySystem = new LinkedHashMap<>();
        for (RoundResult r : details) {
            bySystem.computeIfAbsent(r.system(), s -> new TreeMap<>())
                    .computeIfAbsent(r.round(), k -> new ArrayList<>())
                    .add(r);
        }
        List<EvalReport.RoundSummary> out = new ArrayList<>();
        bySystem.forEach((system, byRound) -> byRound.forEach((round, rs) -> {
            double[] ndcg = rs.stream().mapToDouble(RoundResult::newTasksNdcg).toArray();
            double[] recurring =
                    rs.stream().mapToDouble(RoundResult::recurringNdcg).toArray();
            out.add(new EvalReport.RoundSummary(
                    system,
                    round,
                    rs.stream().mapToInt(RoundResult::trainingTasks).average().orElse(0),
                    rs.stream().mapToInt(RoundResult::gateTasks).average().orElse(0),
                    RegimeTables.mean(ndcg),
                    RegimeTables.sd(ndcg),
                    pooled(rs, RoundResult::newGains),
                    RegimeTables.mean(recurring),
                    RegimeTables.sd(recurring),
                    pooled(rs, RoundResult::recurringGains),
                    rs.stream()
                            .mapToDouble(r -> r.trueGain().meanGain())
                            .average()
                            .orElse(0),
                    rs.stream()
                            .mapToDouble(RoundResult::servingNewTasksNdcg)
                            .average()
                            .orElse(0),
                    (int) rs.stream().filter(r -> Boolean.TRUE.equals(r.gate())).count(),
                    (int) rs.stream()
                            .filter(r -> Boolean.TRUE.equals(r.agrees()))
                            .count(),
                    (int) rs.stream()
                            .filter(r -> r.gate() != null && r.truthClear())
                            .count(),
                    (int) rs.stream()
                            .filter(r -> Boolean.TRUE.equals(r.agrees()) && r.truthClear())
                            .count(),
                    (int) rs.stream().filter(r -> r.gate() != null).count()));
        }));
        return out;
    }

    /** The gate's agreement per system (in order of appearance), then over all candidates. */
    static List<EvalReport.GateAgreement> agreement(List<RoundResult> details) {
        Map<String, List<RoundResult>> bySystem = new LinkedHashMap<>();
        details.forEach(r ->
                bySystem.computeIfAbsent(r.system(), s -> new ArrayList<>()).add(r));
        List<EvalReport.GateAgreement> out = new ArrayList<>();
        bySystem.forEach((system, rs) -> out.add(agreement(system, rs)));
        if (bySystem.size() > 1) {
            out.add(agreement("all", details));
        }
        return out;
    }

    private static EvalReport.GateAgreement agreement(String system, List<RoundResult> rs) {
        List<RoundResult> judged = rs.stream().filter(r -> r.gate() != null).toList();
        return new EvalReport.GateAgreement(
                system,
                judged.size(),
                (int) judged.stream().filter(r -> r.agrees()).count(),
                (int) judged.stream().filter(RoundResult::truthClear).count(),
                (int) judged.stream().filter(r -> r.agrees() && r.truthClear()).count(),
                (int) judged.stream().filter(RoundResult::gate).count(),
                (int) judged.stream()
                        .filter(r -> r.gate() && r.trueGain().meanGain() < -PROMOTED_LOSS_ALLOWANCE)
                        .count(),
                (int) judged.stream()
                        .filter(r -> "gain".equals(r.gateReading()))
                        .count(),
                (int) judged.stream()
                        .filter(r -> "no measurable change".equals(r.gateReading()))
                        .count(),
                (int) judged.stream()
                        .filter(r -> "loss".equals(r.gateReading()))
                        .count());
    }

    /**
     * For comparison: how often each other gate rule, on the same candidates, would have agreed with
     * the truth (rule → agreed of candidates with a verdict).
     */
    static Map<String, String> otherRules(List<RoundResult> details) {
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (RoundResult r : details) {
            r.otherRulesAgree().forEach((rule, agrees) -> {
                int[] c = counts.computeIfAbsent(rule, k -> new int[2]);
                c[0] += agrees ? 1 : 0;
                c[1]++;
            });
        }
        Map<String, String> out = new LinkedHashMap<>();
        counts.forEach((rule, c) -> out.put(rule, c[0] + " of " + c[1]));
        return out;
    }

    /** The per-query gains of every seed, pooled (a task in two seeds counts twice), as one paired test. */
    private static Gain pooled(List<RoundResult> rs, Function<RoundResult, Map<String, Double>> gains) {
        Map<String, Double> pooled = new LinkedHashMap<>();
        Map<String, Double> zero = new LinkedHashMap<>();
        for (RoundResult r : rs) {
            gains.apply(r).forEach((id, g) -> {
                pooled.put(r.seed() + "/" + id, g);
                zero.put(r.seed() + "/" + id, 0.0);
            });
        }
        return pooled.isEmpty() ? null : Gain.of(PairedTest.of(pooled, zero));
    }
}
