package dev.engram.agentmodel;

import ai.djl.ndarray.NDManager;
import dev.engram.retriever.eval.PairedTest;
import java.util.List;

/**
 * Decides whether a candidate adapter may replace the serving version: both score every held-out
 * successful episode (mean negative log-likelihood per token of its plan), and the retriever
 * gate's paired test on the per-episode gains {@code serving − candidate} promotes the candidate
 * only when it is, at 95%, not worse by more than {@code maxLoss} and gains at least
 * {@code minGain} on average.
 *
 * <pre>{@code
 * PlanLossVerdict v = PlanLossGate.defaults().judge(candidate.model(), serving, split.heldOut(), 8, manager);
 * if (!v.promote()) log.info("rejected: {}", v.reason());
 * }</pre>
 *
 * @param maxLoss the largest loss (nats per token) accepted at the interval's lower bound, ≥ 0
 * @param minGain the least mean gain asked for
 */
public record PlanLossGate(double maxLoss, double minGain) {

    /** Not worse by more than 0.02 nats per plan token; any mean gain, even 0. */
    public static PlanLossGate defaults() {
        return new PlanLossGate(0.02, 0.0);
    }

    public PlanLossGate {
        if (!(maxLoss >= 0) || Double.isInfinite(maxLoss)) {
            throw new IllegalArgumentException("maxLoss must be >= 0 and finite, was " + maxLoss);
        }
        if (!Double.isFinite(minGain)) {
            throw new IllegalArgumentException("minGain must be finite, was " + minGain);
        }
    }

    /**
     * Scores both models on {@code heldOut} and decides.
     *
     * @throws IllegalArgumentException when there is nothing held out
     */
    public PlanLossVerdict judge(
            LlamaModel candidate, LlamaModel serving, List<SftExample> heldOut, int batchSize, NDManager manager) {
        if (heldOut.isEmpty()) {
            throw new IllegalArgumentException(
                    "the gate needs held-out episodes: none of the tenant's successful episodes is held out yet");
        }
        double[] c = PlanLoss.perExample(candidate, heldOut, batchSize, manager);
        double[] s = PlanLoss.perExample(serving, heldOut, batchSize, manager);
        double[] negC = new double[c.length];
        double[] negS = new double[s.length];
        for (int i = 0; i < c.length; i++) {
            negC[i] = -c[i];
            negS[i] = -s[i];
        }
        PairedTest test = PairedTest.of(negC, negS);
        return new PlanLossVerdict(
                test.verdict(maxLoss, minGain), PlanLoss.tokenMean(c, heldOut), PlanLoss.tokenMean(s, heldOut));
    }
}
