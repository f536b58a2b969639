package dev.engram.tools.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Rounds mode over the seeds: per round, means and how often the gate promoted and agreed with the truth. */
final class RoundSummaries {

    private RoundSummaries() {}

    static List<EvalReport.RoundSummary> of(List<RoundResult> details) {
        TreeMap<Integer, List<RoundResult>> byRound =
                details.stream().collect(Collectors.groupingBy(RoundResult::round, TreeMap::new, Collectors.toList()));
        List<EvalReport.RoundSummary> out = new ArrayList<>();
        byRound.forEach((round, rs) -> {
            double[] ndcg = rs.stream().mapToDouble(RoundResult::newTasksNdcg).toArray();
            out.add(new EvalReport.RoundSummary(
                    round,
                    rs.stream().mapToInt(RoundResult::trainingTasks).average().orElse(0),
                    rs.stream().mapToInt(RoundResult::gateTasks).average().orElse(0),
                    RegimeTables.mean(ndcg),
                    RegimeTables.sd(ndcg),
                    rs.stream()
                            .mapToDouble(r -> r.trueGain().meanGain())
                            .average()
                            .orElse(0),
                    (int) rs.stream().filter(r -> Boolean.TRUE.equals(r.gate())).count(),
                    (int) rs.stream()
                            .filter(r -> Boolean.TRUE.equals(r.agrees()))
                            .count(),
                    (int) rs.stream().filter(r -> r.gate() != null && clear(r)).count(),
                    (int) rs.stream()
                            .filter(r -> Boolean.TRUE.equals(r.agrees()) && clear(r))
                            .count(),
                    (int) rs.stream().filter(r -> r.gate() != null).count()));
        });
        return out;
    }

    /** Whether the new tasks' interval of the gain excludes 0. */
    private static boolean clear(RoundResult r) {
        return r.trueGain().lower() > 0 || r.trueGain().upper() < 0;
    }
}
