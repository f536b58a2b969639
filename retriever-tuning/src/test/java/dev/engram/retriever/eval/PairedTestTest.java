package dev.engram.retriever.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PairedTestTest {

    private static final int N = 80;

    /** Serving nDCG per query: spread over [.2, .8], as held-out queries are. */
    private static double[] serving(long seed) {
        Random r = new Random(seed);
        double[] s = new double[N];
        for (int i = 0; i < N; i++) {
            s[i] = 0.2 + 0.6 * r.nextDouble();
        }
        return s;
    }

    /** {@code serving + gain} on the first 60 queries, {@code serving} on the rest, each plus noise in ±0.01. */
    private static double[] shifted(double[] serving, double gain, long seed) {
        Random r = new Random(seed);
        double[] c = new double[N];
        for (int i = 0; i < N; i++) {
            c[i] = serving[i] + (i < 60 ? gain : 0) + (r.nextDouble() * 2 - 1) * 0.01;
        }
        return c;
    }

    @Test
    void aRealGainIsPromoted() {
        double[] serving = serving(1);
        PairedTest t = PairedTest.of(shifted(serving, 0.05, 2), serving);
        assertThat(t.n()).isEqualTo(N);
        assertThat(t.meanGain()).isCloseTo(0.0375, within(0.003));
        assertThat(t.showsGain()).isTrue();
        assertThat(t.lower()).isGreaterThan(0.02);
        assertThat(t.upper()).isLessThan(0.055);
        assertThat(t.pValue()).isLessThan(0.001);
        GateVerdict v = t.verdict();
        assertThat(v.promote()).isTrue();
        assertThat(v.reason()).startsWith("promote:").contains("n 80", "95% interval");
    }

    @Test
    void zeroMeanNoiseShowsNoGainAndItsIntervalCoversZero() {
        // 40 queries +0.1 and 40 −0.1, shuffled: a mean gain of exactly 0
        List<Double> gains = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            gains.add(i % 2 == 0 ? 0.1 : -0.1);
        }
        Collections.shuffle(gains, new Random(3));
        double[] serving = serving(4);
        double[] candidate = new double[N];
        for (int i = 0; i < N; i++) {
            candidate[i] = serving[i] + gains.get(i);
        }
        PairedTest t = PairedTest.of(candidate, serving);
        assertThat(t.meanGain()).isCloseTo(0.0, within(1e-12));
        assertThat(t.lower()).isLessThan(0);
        assertThat(t.upper()).isGreaterThan(0);
        assertThat(t.showsGain()).isFalse();
        assertThat(t.showsLoss()).isFalse();
        assertThat(t.pValue()).isGreaterThan(0.9);
        // the interval reaches about −0.022: a loss of more than 0.01 cannot be ruled out, so the gate says no
        assertThat(t.lower()).isLessThan(-PairedTest.DEFAULT_MAX_LOSS);
        assertThat(t.verdict().promote()).isFalse();
        assertThat(t.verdict().reason()).startsWith("reject: may be worse by more than 0.0100");
    }

    @Test
    void aRealLossIsRejected() {
        double[] serving = serving(5);
        PairedTest t = PairedTest.of(shifted(serving, -0.05, 6), serving);
        assertThat(t.showsLoss()).isTrue();
        assertThat(t.pValue()).isLessThan(0.001);
        assertThat(t.verdict().promote()).isFalse();
        assertThat(t.verdict(0.10, -0.10).promote())
                .as("only a gate that accepts a 0.1 loss lets it through")
                .isTrue();
    }

    @Test
    void theMinimumGainIsAskedOfTheMean() {
        double[] serving = serving(7);
        PairedTest t = PairedTest.of(shifted(serving, 0.05, 8), serving);
        GateVerdict v = t.verdict(0.01, 0.05);
        assertThat(v.promote()).isFalse();
        assertThat(v.reason()).startsWith("reject: mean gain +0.03").contains("below the +0.0500 asked for");
        assertThat(t.verdict(0.01, 0.03).promote()).isTrue();
    }

    @Test
    void aCandidateThatScoresTheSameIsNotWorse() {
        double[] serving = serving(9);
        PairedTest t = PairedTest.of(serving.clone(), serving);
        assertThat(t.meanGain()).isEqualTo(0.0);
        assertThat(t.lower()).isEqualTo(0.0);
        assertThat(t.upper()).isEqualTo(0.0);
        assertThat(t.pValue()).isEqualTo(1.0);
        assertThat(t.verdict().promote()).isTrue();
        assertThat(t.verdict(0.01, 0.001).promote()).isFalse();
    }

    @Test
    void theSameSeedGivesTheSameResultAndAnotherSeedAnotherInterval() {
        double[] serving = serving(10);
        double[] candidate = shifted(serving, 0.02, 11);
        PairedTest a = PairedTest.of(candidate, serving, 0.95, 10_000, 123);
        assertThat(PairedTest.of(candidate, serving, 0.95, 10_000, 123)).isEqualTo(a);
        PairedTest b = PairedTest.of(candidate, serving, 0.95, 10_000, 124);
        assertThat(b.meanGain()).isEqualTo(a.meanGain());
        assertThat(b.lower()).isNotEqualTo(a.lower());
    }

    @Test
    void theBootstrapIntervalMatchesTheNormalApproximation() {
        // 400 gains with sd .1: the 95% interval's half-width should be about 1.96 × .1 / 20 = .0098
        Random r = new Random(12);
        double[] candidate = new double[400];
        double[] serving = new double[400];
        for (int i = 0; i < 400; i++) {
            candidate[i] = 0.02 + 0.1 * r.nextGaussian();
        }
        PairedTest t = PairedTest.of(candidate, serving);
        double sd = sd(candidate);
        double halfWidth = 1.96 * sd / Math.sqrt(400);
        assertThat((t.upper() - t.lower()) / 2).isCloseTo(halfWidth, within(0.1 * halfWidth));
        assertThat((t.upper() + t.lower()) / 2).isCloseTo(t.meanGain(), within(0.15 * halfWidth));
        // and a 99% interval is wider
        PairedTest wide = PairedTest.of(candidate, serving, 0.99, 10_000, 42);
        assertThat(wide.upper() - wide.lower()).isGreaterThan(t.upper() - t.lower());
    }

    @Test
    void theSignFlipPValueIsExactForFewQueries() {
        // three gains of +0.1: of the 8 sign patterns, all-plus and all-minus are as extreme: p = 2/8
        PairedTest t = PairedTest.of(new double[] {0.6, 0.5, 0.4}, new double[] {0.5, 0.4, 0.3});
        assertThat(t.pValue()).isCloseTo(0.25, within(1e-12));
        // four gains .3, .1, .1, .1 (mean .15): as extreme are ±(+,+,+,+) and ±(+,+,+,−) etc. with |sum| >= .6:
        // sums .6, and .4 when one .1 flips: only the two all-same patterns reach .6
        PairedTest four = PairedTest.of(new double[] {0.3, 0.1, 0.1, 0.1}, new double[4]);
        assertThat(four.pValue()).isCloseTo(2.0 / 16, within(1e-12));
    }

    @Test
    void theMapFormPairsByQueryIdWhateverTheMapOrder() {
        double[] serving = serving(13);
        double[] candidate = shifted(serving, 0.03, 14);
        Map<String, Double> c = new HashMap<>();
        Map<String, Double> s = new TreeMap<>();
        for (int i = 0; i < N; i++) {
            c.put("q" + i, candidate[i]);
            s.put("q" + i, serving[i]);
        }
        PairedTest t = PairedTest.of(c, s);
        assertThat(PairedTest.of(new TreeMap<>(c), new HashMap<>(s))).isEqualTo(t);
        assertThat(t.meanGain()).isCloseTo(PairedTest.of(candidate, serving).meanGain(), within(1e-12));

        Map<String, Double> missing = new HashMap<>(s);
        missing.remove("q7");
        missing.put("q99", 0.5);
        assertThatThrownBy(() -> PairedTest.of(c, missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only the candidate has [q7]")
                .hasMessageContaining("only the serving system has [q99]");
    }

    @Test
    void rejectsInputsItCannotPair() {
        assertThatThrownBy(() -> PairedTest.of(new double[3], new double[4])).hasMessageContaining("3 and 4");
        assertThatThrownBy(() -> PairedTest.of(new double[0], new double[0]))
                .hasMessageContaining("at least one query");
        assertThatThrownBy(() -> PairedTest.of(new double[] {Double.NaN}, new double[] {0}))
                .hasMessageContaining("finite");
        assertThatThrownBy(() -> PairedTest.of(new double[1], new double[1], 1.0, 10_000, 1))
                .hasMessageContaining("confidence");
        assertThatThrownBy(() -> PairedTest.of(new double[1], new double[1], 0.95, 10, 1))
                .hasMessageContaining("resamples");
    }

    private static double sd(double[] xs) {
        double m = 0;
        for (double x : xs) {
            m += x;
        }
        m /= xs.length;
        double ss = 0;
        for (double x : xs) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (xs.length - 1));
    }
}
