package dev.engram.node.adapters;

import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterStatus;
import java.util.Locale;
import java.util.Objects;

/**
 * The evaluation gate: decides from a candidate's own metrics (candidate vs parent, measured by the
 * worker on the job's held-out and retention queries) whether it may serve. Pure and deterministic,
 * so every node with the same margins reaches the same decision about the same candidate.
 *
 * <pre>{@code
 * PromotionGate gate = new PromotionGate(0.005, 0.01);
 * PromotionGate.Decision d = gate.decide(candidate.metrics());
 * if (d.promoted()) { ... } else { log.info("not promoted: {}", d.reason()); }
 * }</pre>
 *
 * <p>A candidate is {@link AdapterStatus#PROMOTED} when its held-out nDCG@10 gain over the parent is
 * at least {@code minHeldOutGain} and its retention loss (parent minus candidate nDCG@10 on the
 * retention sample; 0 without one) is at most {@code maxRetentionLoss}; otherwise
 * {@link AdapterStatus#REJECTED} with a reason that names the figure and the margin.
 *
 * @param minHeldOutGain the least held-out nDCG@10 gain to promote, in [-1, 1] (0 = "not worse")
 * @param maxRetentionLoss the most retention nDCG@10 loss allowed, in [0, 1]
 */
public record PromotionGate(double minHeldOutGain, double maxRetentionLoss) {

    /** Default held-out margin: any gain, however small (0.0 nDCG@10). */
    public static final double DEFAULT_MIN_HELD_OUT_GAIN = 0.0;
    /** Default retention margin: lose at most 0.01 nDCG@10 on older feedback. */
    public static final double DEFAULT_MAX_RETENTION_LOSS = 0.01;

    /** Tolerance for the comparisons, so that a gain of exactly the margin passes despite rounding. */
    private static final double EPSILON = 1e-12;

    public PromotionGate {
        if (!(minHeldOutGain >= -1 && minHeldOutGain <= 1)) {
            throw new IllegalArgumentException("promotionGate.minHeldOutGain must be in [-1, 1], was " + minHeldOutGain);
        }
        if (!(maxRetentionLoss >= 0 && maxRetentionLoss <= 1)) {
            throw new IllegalArgumentException("promotionGate.maxRetentionLoss must be in [0, 1], was "
                    + maxRetentionLoss);
        }
    }

    /** The gate with the default margins. */
    public static PromotionGate defaults() {
        return new PromotionGate(DEFAULT_MIN_HELD_OUT_GAIN, DEFAULT_MAX_RETENTION_LOSS);
    }

    /** The gate's verdict on one candidate. */
    public record Decision(AdapterStatus status, String reason) {
        public Decision {
            Objects.requireNonNull(status, "decision.status is required");
            Objects.requireNonNull(reason, "decision.reason is required");
        }

        /** {@code true} when the candidate may serve. */
        public boolean promoted() {
            return status == AdapterStatus.PROMOTED;
        }
    }

    /** Decides on a candidate from its metrics. */
    public Decision decide(AdapterMetrics metrics) {
        Objects.requireNonNull(metrics, "metrics");
        double gain = metrics.heldOutGain();
        double loss = metrics.retentionLoss();
        String figures = "held-out nDCG@10 " + f(metrics.parentHeldOutNdcg10()) + " -> " + f(metrics.heldOutNdcg10())
                + " (" + signed(gain) + ", " + metrics.heldOutQueries() + " queries)"
                + (metrics.retentionQueries() == 0 ? ", no retention sample"
                        : ", retention " + f(metrics.parentRetentionNdcg10()) + " -> " + f(metrics.retentionNdcg10())
                                + " (" + signed(-loss) + ", " + metrics.retentionQueries() + " queries)");
        if (gain + EPSILON < minHeldOutGain) {
            return new Decision(AdapterStatus.REJECTED, "gate: held-out gain " + signed(gain) + " is below the margin "
                    + signed(minHeldOutGain) + "; " + figures);
        }
        if (loss - EPSILON > maxRetentionLoss) {
            return new Decision(AdapterStatus.REJECTED, "gate: retention loss " + f(loss) + " exceeds the margin "
                    + f(maxRetentionLoss) + " (forgetting); " + figures);
        }
        return new Decision(AdapterStatus.PROMOTED, "gate: " + figures);
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String signed(double v) {
        return String.format(Locale.ROOT, "%+.4f", v);
    }
}
