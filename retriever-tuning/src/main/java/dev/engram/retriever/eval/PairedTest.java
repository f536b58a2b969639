package dev.engram.retriever.eval;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A paired comparison of a candidate and a serving system on the same queries, as the gate runs it:
 * the per-query gains {@code d_i = candidate_i − serving_i} (e.g. nDCG@10 on held-out tasks), their
 * mean, a seeded paired-bootstrap percentile interval for the mean, and a paired randomisation
 * (sign-flip) p-value. {@link #verdict()} turns it into promote or reject.
 *
 * <pre>{@code
 * PairedTest t = PairedTest.of(candidateNdcg, servingNdcg);   // by query id; 95%, 10,000 resamples, seed 42
 * t.meanGain(); t.lower(); t.upper(); t.pValue();
 * GateVerdict v = t.verdict();                                // max loss 0.01, min gain 0
 * if (v.promote()) { ... }  else log(v.reason());
 * }</pre>
 *
 * <ul>
 *   <li><b>Interval</b>: {@code resamples} bootstrap samples of the n gains (with replacement); the
 *       interval is the {@code (1 − confidence)/2} and {@code (1 + confidence)/2} quantiles of their
 *       means (linear interpolation between order statistics). Resampling queries, not scores,
 *       keeps each query's candidate and serving score together.</li>
 *   <li><b>p-value</b>: two-sided, for "the gains are symmetric about 0" (no difference): the
 *       share of sign flips of the gains whose mean is at least as far from 0 as the observed one.
 *       Exact over all 2<sup>n</sup> flips for n ≤ {@value #EXACT_FLIPS_UP_TO}, else
 *       {@code resamples} random flips, counted as {@code (hits + 1) / (resamples + 1)}.</li>
 * </ul>
 *
 * <p>Deterministic: the same gains, in the same order, with the same seed give the same result. The
 * {@code Map} forms pair by query id and order by it, so the caller's map order does not matter.
 *
 * @param n the number of paired queries
 * @param meanGain the mean of {@code candidate − serving}
 * @param lower the interval's lower bound for the mean gain
 * @param upper the interval's upper bound
 * @param confidence the interval's coverage, in (0, 1)
 * @param pValue the two-sided sign-flip p-value, in (0, 1]
 * @param resamples bootstrap (and random sign-flip) resamples
 * @param seed the seed of both
 */
public record PairedTest(
        int n,
        double meanGain,
        double lower,
        double upper,
        double confidence,
        double pValue,
        int resamples,
        long seed) {

    /** The interval's default coverage. */
    public static final double DEFAULT_CONFIDENCE = 0.95;
    /** The default number of bootstrap and sign-flip resamples. */
    public static final int DEFAULT_RESAMPLES = 10_000;
    /** The default seed. */
    public static final long DEFAULT_SEED = 42L;
    /**
     * The default largest loss the gate accepts at the interval's lower bound: 0.01 nDCG, about the
     * run-to-run spread of a retrained adapter on a few hundred held-out queries.
     */
    public static final double DEFAULT_MAX_LOSS = 0.01;
    /** The default least mean gain the gate asks for: 0, i.e. "not worse" suffices. */
    public static final double DEFAULT_MIN_GAIN = 0.0;
    /** Up to this many queries the sign-flip p-value enumerates every flip. */
    public static final int EXACT_FLIPS_UP_TO = 16;

    /** Flip means this close to the observed one count as "as far": sums in another order must not decide. */
    private static final double EPS = 1e-12;

    public PairedTest {
        if (n < 1) {
            throw new IllegalArgumentException("pairedTest.n must be >= 1, was " + n);
        }
        if (!Double.isFinite(meanGain) || !Double.isFinite(lower) || !Double.isFinite(upper) || lower > upper) {
            throw new IllegalArgumentException("pairedTest needs a finite mean and lower <= upper, had mean " + meanGain
                    + ", interval [" + lower + ", " + upper + "]");
        }
        checkConfidence(confidence);
        if (!(pValue > 0 && pValue <= 1)) {
            throw new IllegalArgumentException("pairedTest.pValue must be in (0, 1], was " + pValue);
        }
        checkResamples(resamples);
    }

    /** Compares per-query scores paired by query id, with the defaults. */
    public static PairedTest of(Map<String, Double> candidate, Map<String, Double> serving) {
        return of(candidate, serving, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED);
    }

    /**
     * Compares per-query scores paired by query id.
     *
     * @throws IllegalArgumentException when the two were not scored on the same queries
     */
    public static PairedTest of(
            Map<String, Double> candidate, Map<String, Double> serving, double confidence, int resamples, long seed) {
        Objects.requireNonNull(candidate, "candidate scores are required");
        Objects.requireNonNull(serving, "serving scores are required");
        if (!candidate.keySet().equals(serving.keySet())) {
            TreeMap<String, Double> onlyCandidate = new TreeMap<>(candidate);
            onlyCandidate.keySet().removeAll(serving.keySet());
            TreeMap<String, Double> onlyServing = new TreeMap<>(serving);
            onlyServing.keySet().removeAll(candidate.keySet());
            throw new IllegalArgumentException(
                    "a paired test needs both systems scored on the same queries; only the candidate has "
                            + onlyCandidate.keySet() + ", only the serving system has " + onlyServing.keySet());
        }
        TreeMap<String, Double> c = new TreeMap<>(candidate);
        double[] cs = new double[c.size()];
        double[] ss = new double[c.size()];
        int i = 0;
        for (Map.Entry<String, Double> e : c.entrySet()) {
            cs[i] = Objects.requireNonNull(e.getValue(), () -> "candidate score of query " + e.getKey() + " is null");
            ss[i] = Objects.requireNonNull(
                    serving.get(e.getKey()), () -> "serving score of query " + e.getKey() + " is null");
            i++;
        }
        return of(cs, ss, confidence, resamples, seed);
    }

    /** Compares per-query scores paired by position, with the defaults. */
    public static PairedTest of(double[] candidate, double[] serving) {
        return of(candidate, serving, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED);
    }

    /**
     * Compares per-query scores paired by position: {@code candidate[i]} and {@code serving[i]} are
     * the same query's.
     */
    public static PairedTest of(double[] candidate, double[] serving, double confidence, int resamples, long seed) {
        Objects.requireNonNull(candidate, "candidate scores are required");
        Objects.requireNonNull(serving, "serving scores are required");
        if (candidate.length != serving.length) {
            throw new IllegalArgumentException("a paired test needs one candidate and one serving score per query; got "
                    + candidate.length + " and " + serving.length);
        }
        if (candidate.length == 0) {
            throw new IllegalArgumentException("a paired test needs at least one query; there were none");
        }
        checkConfidence(confidence);
        checkResamples(resamples);
        int n = candidate.length;
        double[] gains = new double[n];
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(candidate[i]) || !Double.isFinite(serving[i])) {
                throw new IllegalArgumentException("scores must be finite; query " + i + " has candidate "
                        + candidate[i] + ", serving " + serving[i]);
            }
            gains[i] = candidate[i] - serving[i];
        }
        double mean = mean(gains);
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom bootstrapRandom = root.split();
        SplittableRandom flipRandom = root.split();

        double[] means = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += gains[bootstrapRandom.nextInt(n)];
            }
            means[b] = sum / n;
        }
        Arrays.sort(means);
        double alpha = 1 - confidence;
        double lower = quantile(means, alpha / 2);
        double upper = quantile(means, 1 - alpha / 2);
        double p = n <= EXACT_FLIPS_UP_TO
                ? exactSignFlipP(gains, mean)
                : sampledSignFlipP(gains, mean, resamples, flipRandom);
        return new PairedTest(n, mean, Math.min(lower, upper), Math.max(lower, upper), confidence, p, resamples, seed);
    }

    private static double exactSignFlipP(double[] gains, double observed) {
        int n = gains.length;
        long flips = 1L << n;
        long hits = 0;
        for (long mask = 0; mask < flips; mask++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += (mask & (1L << i)) != 0 ? -gains[i] : gains[i];
            }
            if (Math.abs(sum / n) >= Math.abs(observed) - EPS) {
                hits++;
            }
        }
        return (double) hits / flips;
    }

    private static double sampledSignFlipP(double[] gains, double observed, int resamples, SplittableRandom random) {
        int n = gains.length;
        long hits = 0;
        for (int b = 0; b < resamples; b++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += random.nextBoolean() ? gains[i] : -gains[i];
            }
            if (Math.abs(sum / n) >= Math.abs(observed) - EPS) {
                hits++;
            }
        }
        return (hits + 1.0) / (resamples + 1.0);
    }

    private static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    /** The {@code p}-quantile of sorted values, interpolating linearly between order statistics. */
    private static double quantile(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private static void checkConfidence(double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("pairedTest.confidence must be in (0, 1), was " + confidence);
        }
    }

    private static void checkResamples(int resamples) {
        if (resamples < 100) {
            throw new IllegalArgumentException("pairedTest.resamples must be >= 100, was " + resamples);
        }
    }

    /** Whether the whole interval is above 0: the candidate is better, at this confidence. */
    public boolean showsGain() {
        return lower > 0;
    }

    /** Whether the whole interval is below 0: the candidate is worse, at this confidence. */
    public boolean showsLoss() {
        return upper < 0;
    }

    /** The gate's verdict at the defaults: max loss {@value #DEFAULT_MAX_LOSS}, min gain {@value #DEFAULT_MIN_GAIN}. */
    public GateVerdict verdict() {
        return verdict(DEFAULT_MAX_LOSS, DEFAULT_MIN_GAIN);
    }

    /**
     * The gate's verdict: promote when the interval's lower bound is at least {@code −maxLoss} (the
     * candidate is, at this confidence, not worse by more than {@code maxLoss}) and the mean gain is at
     * least {@code minGain}.
     *
     * @param maxLoss the largest loss accepted at the lower bound, >= 0
     * @param minGain the least mean gain asked for (may be negative to accept a small mean loss)
     */
    public GateVerdict verdict(double maxLoss, double minGain) {
        if (!(maxLoss >= 0) || Double.isInfinite(maxLoss)) {
            throw new IllegalArgumentException("maxLoss must be >= 0 and finite, was " + maxLoss);
        }
        if (!Double.isFinite(minGain)) {
            throw new IllegalArgumentException("minGain must be finite, was " + minGain);
        }
        boolean notWorse = lower >= -maxLoss;
        boolean gainsEnough = meanGain >= minGain;
        String measured = String.format(
                Locale.ROOT,
                "n %d, mean gain %+.4f, %.0f%% interval [%+.4f, %+.4f], p %.4f",
                n,
                meanGain,
                confidence * 100,
                lower,
                upper,
                pValue);
        String reason;
        if (notWorse && gainsEnough) {
            reason = String.format(
                    Locale.ROOT,
                    "promote: not worse by more than %.4f and mean gain >= %+.4f (%s)",
                    maxLoss,
                    minGain,
                    measured);
        } else if (!notWorse) {
            reason = String.format(
                    Locale.ROOT,
                    "reject: may be worse by more than %.4f, the interval reaches %+.4f (%s)",
                    maxLoss,
                    lower,
                    measured);
        } else {
            reason = String.format(
                    Locale.ROOT,
                    "reject: mean gain %+.4f is below the %+.4f asked for (%s)",
                    meanGain,
                    minGain,
                    measured);
        }
        return new GateVerdict(notWorse && gainsEnough, reason, this, maxLoss, minGain);
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "PairedTest[n %d, mean gain %+.4f, %.0f%% interval [%+.4f, %+.4f], p %.4f, %d resamples, seed %d]",
                n,
                meanGain,
                confidence * 100,
                lower,
                upper,
                pValue,
                resamples,
                seed);
    }
}
