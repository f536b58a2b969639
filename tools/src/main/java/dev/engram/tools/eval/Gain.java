package dev.engram.tools.eval;

import dev.engram.retriever.eval.PairedTest;

/**
 * A paired comparison as the report shows it: {@link PairedTest}'s figures (candidate − reference,
 * per query; 95% paired-bootstrap interval, 10,000 resamples, seed 42; two-sided sign-flip p).
 *
 * @param n paired queries
 * @param meanGain mean of candidate − reference (nDCG@10)
 * @param lower the interval's lower bound
 * @param upper its upper bound
 * @param pValue the sign-flip p-value
 */
public record Gain(int n, double meanGain, double lower, double upper, double pValue) {

    static Gain of(PairedTest t) {
        return new Gain(t.n(), t.meanGain(), t.lower(), t.upper(), t.pValue());
    }
}
