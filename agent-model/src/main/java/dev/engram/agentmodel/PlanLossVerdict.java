package dev.engram.agentmodel;

import dev.engram.retriever.eval.GateVerdict;

/**
 * The gate's decision on an agent-model adapter, and the losses it was decided on.
 *
 * @param verdict promote or reject, with n, the mean gain (serving NLL − candidate NLL, nats per
 *     plan token; positive is better), its interval and p-value in the reason
 * @param candidateNll the candidate's mean per-token NLL over the held-out plans
 * @param servingNll the serving version's
 */
public record PlanLossVerdict(GateVerdict verdict, double candidateNll, double servingNll) {

    public boolean promote() {
        return verdict.promote();
    }

    public String reason() {
        return verdict.reason();
    }
}
