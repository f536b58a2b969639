package dev.engram.tools.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.engram.retriever.eval.QueryEvaluation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's tables from hand-made per-query scores. */
class RegimeTablesTest {

    private static final List<EvalSystem> SYSTEMS = List.of(EvalSystem.BM25, EvalSystem.HYBRID_RRF, EvalSystem.POLICY);

    private static void add(
            List<QueryScore> scores, long seed, Regime regime, EvalSystem system, String query, double ndcg) {
        scores.add(new QueryScore(seed, regime, system, new QueryEvaluation(query, ndcg, 0, 0.5, 0)));
    }

    @Test
    void theBaselineIsTheBestUntunedSystemAndGainsPoolSeedAndQueryPairs() {
        List<QueryScore> scores = new ArrayList<>();
        for (Regime regime : Regime.values()) {
            for (long seed : new long[] {1, 2}) {
                for (String q : List.of("a", "b")) {
                    add(scores, seed, regime, EvalSystem.BM25, q, 0.2);
                    // untuned hybrid beats BM25 in the new regime only
                    add(scores, seed, regime, EvalSystem.HYBRID_RRF, q, regime == Regime.NEW ? 0.4 : 0.1);
                    add(scores, seed, regime, EvalSystem.POLICY, q, seed == 1 ? 0.5 : 0.7);
                }
            }
        }

        List<EvalReport.RegimeTable> tables = RegimeTables.of(scores, new long[] {1, 2}, SYSTEMS);

        EvalReport.RegimeTable fresh = tables.get(0);
        assertThat(fresh.regime()).isEqualTo("new");
        assertThat(fresh.baseline()).isEqualTo("hybrid RRF");
        assertThat(tables.get(1).baseline()).isEqualTo("BM25");
        EvalReport.SystemRow policy = fresh.row("policy");
        assertThat(policy.perSeedNdcgAt10()).containsExactly(0.5, 0.7);
        assertThat(policy.meanNdcgAt10()).isCloseTo(0.6, within(1e-12));
        assertThat(policy.sdNdcgAt10()).isCloseTo(Math.sqrt(0.02), within(1e-12));
        assertThat(policy.meanRecallAt100()).isCloseTo(0.5, within(1e-12));
        assertThat(policy.vsBaseline().n()).isEqualTo(4);
        assertThat(policy.vsBaseline().meanGain()).isCloseTo(0.2, within(1e-12));
        assertThat(policy.vsBaselinePerSeed()).extracting(Gain::n).containsExactly(2, 2);
        assertThat(policy.vsBaselinePerSeed().get(0).meanGain()).isCloseTo(0.1, within(1e-12));
        assertThat(policy.vsBaselinePerSeed().get(1).meanGain()).isCloseTo(0.3, within(1e-12));
        assertThat(fresh.row("hybrid RRF").vsBaseline()).isNull();
        assertThat(fresh.row("hybrid RRF").vsBaselinePerSeed()).isEmpty();
    }

    @Test
    void oneSeedHasNoStandardDeviation() {
        assertThat(RegimeTables.sd(new double[] {0.4})).isNull();
        assertThat(RegimeTables.sd(new double[] {0.4, 0.6})).isCloseTo(Math.sqrt(0.02), within(1e-12));
    }
}
