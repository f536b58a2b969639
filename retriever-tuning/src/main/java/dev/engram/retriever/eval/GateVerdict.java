package dev.engram.retriever.eval;

import java.util.Objects;

/**
 * The gate's decision on a candidate policy, with what it was based on; see
 * {@link PairedTest#verdict(double, double)}.
 *
 * <pre>{@code
 * GateVerdict v = PairedTest.of(candidateNdcg, servingNdcg).verdict();
 * v.promote();   // true or false
 * v.reason();    // "promote: not worse by more than 0.0100 and mean gain >= +0.0000 (n 80, mean gain +0.0374, ...)"
 * }</pre>
 *
 * @param promote whether the candidate may serve
 * @param reason why, with n, the mean gain, its interval and the p-value, for the operator and the audit log
 * @param test the paired test it was decided on
 * @param maxLoss the largest loss accepted at the interval's lower bound
 * @param minGain the least mean gain asked for
 */
public record GateVerdict(boolean promote, String reason, PairedTest test, double maxLoss, double minGain) {

    public GateVerdict {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("gateVerdict.reason is required");
        }
        Objects.requireNonNull(test, "gateVerdict.test is required");
    }
}
