package dev.engram.streams;

import dev.engram.streams.internal.ChunkChecks;
import dev.engram.streams.internal.FieldChecks;

/**
 * The gate's verdict on an {@link AdapterKind#AGENT_MODEL} adapter, as its trainer measured it:
 * per-token negative log-likelihood (nats) of held-out successful plans under the candidate and
 * under the version that served when it was trained (or the base model), with the paired test's
 * mean gain and interval. It is part of what the worker signs, so a runtime that trusts the worker
 * can trust {@link #promote()}.
 *
 * <pre>{@code
 * new PlanLossMetrics(1.82, 2.31, 24, 0.49, 0.31, 0.66, true,
 *     "promote: not worse by more than 0.0100 and mean gain >= +0.0000 (n 24, mean gain +0.4900, ...)")
 * }</pre>
 *
 * @param candidateNll the candidate's mean per-token NLL over the held-out plans, finite, >= 0
 * @param servingNll the serving version's (or the base model's), same plans, finite, >= 0
 * @param heldOutPlans how many held-out plans the test paired, >= 1
 * @param meanGain mean of serving NLL − candidate NLL per plan (positive: the candidate fits better)
 * @param gainLower the interval's lower bound for the mean gain, finite
 * @param gainUpper its upper bound, at least {@code gainLower}
 * @param promote whether the gate promoted the candidate
 * @param reason the gate's reason, for people, 1 to {@value AdapterPublished#MAX_REASON_CHARS} characters
 */
public record PlanLossMetrics(
        double candidateNll,
        double servingNll,
        int heldOutPlans,
        double meanGain,
        double gainLower,
        double gainUpper,
        boolean promote,
        String reason) {

    public PlanLossMetrics {
        ChunkChecks.finiteIn("candidateNll", candidateNll, 0, Double.MAX_VALUE);
        ChunkChecks.finiteIn("servingNll", servingNll, 0, Double.MAX_VALUE);
        ChunkChecks.atLeast("heldOutPlans", heldOutPlans, 1);
        ChunkChecks.finiteIn("meanGain", meanGain, -Double.MAX_VALUE, Double.MAX_VALUE);
        ChunkChecks.finiteIn("gainLower", gainLower, -Double.MAX_VALUE, Double.MAX_VALUE);
        ChunkChecks.finiteIn("gainUpper", gainUpper, gainLower, Double.MAX_VALUE);
        FieldChecks.requireText("reason", reason, AdapterPublished.MAX_REASON_CHARS);
    }
}
