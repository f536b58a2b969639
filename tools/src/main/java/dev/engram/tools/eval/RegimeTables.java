package dev.engram.tools.eval;

import dev.engram.retriever.eval.PairedTest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns per-query scores into the report's tables: per regime and system the per-seed means, their
 * mean and standard deviation over seeds, and paired tests against the best untuned system. The
 * pooled test pairs each (seed, query) of the candidate with the baseline's; a query held out in
 * several seeds counts once per seed, so the pooled interval is narrower than independent queries
 * would give. The per-seed tests are in the JSON.
 */
final class RegimeTables {

    private RegimeTables() {}

    static List<EvalReport.RegimeTable> of(List<QueryScore> scores, long[] seeds, List<EvalSystem> systems) {
        List<EvalReport.RegimeTable> tables = new ArrayList<>();
        for (Regime regime : Regime.values()) {
            List<QueryScore> inRegime =
                    scores.stream().filter(s -> s.regime() == regime).toList();
            Map<EvalSystem, double[]> ndcg = new LinkedHashMap<>();
            Map<EvalSystem, double[]> recall = new LinkedHashMap<>();
            for (EvalSystem system : systems) {
                ndcg.put(system, perSeedMeans(inRegime, system, seeds, QueryScore::ndcgAt10));
                recall.put(
                        system,
                        perSeedMeans(
                                inRegime, system, seeds, s -> s.evaluation().recallAt100()));
            }
            EvalSystem baseline = systems.stream()
                    .filter(EvalSystem::untuned)
                    .max(Comparator.comparingDouble(s -> mean(ndcg.get(s))))
                    .orElseThrow();
            List<EvalReport.SystemRow> rows = new ArrayList<>();
            for (EvalSystem system : systems) {
                Gain pooled = null;
                List<Gain> perSeed = new ArrayList<>();
                if (system != baseline) {
                    pooled = Gain.of(PairedTest.of(byQuery(inRegime, system, null), byQuery(inRegime, baseline, null)));
                    for (long seed : seeds) {
                        perSeed.add(Gain.of(
                                PairedTest.of(byQuery(inRegime, system, seed), byQuery(inRegime, baseline, seed))));
                    }
                }
                double[] means = ndcg.get(system);
                rows.add(new EvalReport.SystemRow(
                        system.label(),
                        system.description(),
                        mean(means),
                        sd(means),
                        java.util.Arrays.stream(means).boxed().toList(),
                        mean(recall.get(system)),
                        pooled,
                        perSeed));
            }
            tables.add(new EvalReport.RegimeTable(regime.label(), regime.description(), baseline.label(), rows));
        }
        return tables;
    }

    private static double[] perSeedMeans(
            List<QueryScore> scores, EvalSystem system, long[] seeds, ToDoubleFunction<QueryScore> metric) {
        double[] means = new double[seeds.length];
        for (int i = 0; i < seeds.length; i++) {
            long seed = seeds[i];
            means[i] = scores.stream()
                    .filter(s -> s.system() == system && s.seed() == seed)
                    .mapToDouble(metric)
                    .average()
                    .orElseThrow(
                            () -> new IllegalStateException("no scores of " + system.label() + " for seed " + seed));
        }
        return means;
    }

    /** nDCG@10 by "seed:query" (all seeds when {@code seed} is null). */
    private static Map<String, Double> byQuery(List<QueryScore> scores, EvalSystem system, Long seed) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (QueryScore s : scores) {
            if (s.system() == system && (seed == null || s.seed() == seed)) {
                out.put(s.seed() + ":" + s.queryId(), s.ndcgAt10());
            }
        }
        return out;
    }

    static double mean(double[] xs) {
        return java.util.Arrays.stream(xs).average().orElse(Double.NaN);
    }

    /** The sample standard deviation, or null for fewer than two values. */
    static Double sd(double[] xs) {
        if (xs.length < 2) {
            return null;
        }
        double m = mean(xs);
        double ss = 0;
        for (double x : xs) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (xs.length - 1));
    }
}
