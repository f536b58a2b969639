package dev.engram.node.registry;

import dev.engram.streams.AdapterMetrics;
import java.util.Locale;
import java.util.Objects;

/**
 * Decides whether a candidate adapter is served: promoted when its held-out nDCG@10 gain over its
 * parent is at least {@code minHeldOutGain} and its retention loss is at most
 * {@code maxRetentionLoss}; rejected otherwise, with a reason that names the figures. Pure and
 * deterministic, so every node that reads the same candidate decides the same.
 *
 * <pre>{@code
 * PromotionGate.Decision d = PromotionGate.defaults().decide(candidate.metrics());
 * if (!d.promoted()) log.info("not promoted: {}", d.reason());
 * }</pre>
 *
 * <p>The defaults are here and nowhere else; a node takes its gate from
 * {@code NodeConfig.promotionGate} ({@code engram serve --min-held-out-gain --max-retention-loss}).
 *
 * @param minHeldOutGain smallest held-out nDCG@10 gain (candidate minus parent) to promote, in
 *     [-1, 1] (nDCG is in [0, 1]; a negative margin tolerates a small drop) (default
 *     {@value #DEFAULT_MIN_HELD_OUT_GAIN})
 * @param maxRetentionLoss largest retention nDCG@10 loss (parent minus candidate) tolerated, in
 *     [0, 1] (default {@value #DEFAULT_MAX_RETENTION_LOSS})
 */
public record PromotionGate(double minHeldOutGain, double maxRetentionLoss) {

    /** Default: a candidate must not be worse than its parent on the held-out queries. */
    public static final double DEFAULT_MIN_HELD_OUT_GAIN = 0.0;
    /** Default: at most one nDCG@10 point lost on the retention sample. */
    public static final double DEFAULT_MAX_RETENTION_LOSS = 0.01;

    /** The gate's verdict on one candidate. */
    public record Decision(boolean promoted, String reason) {
        public Decision {
            Objects.requireNonNull(reason, "decision.reason is required");
        }
    }

    public PromotionGate {
        if (!(minHeldOutGain >= -1 && minHeldOutGain <= 1)) {
            throw new IllegalArgumentException("promotionGate.minHeldOutGain must be in [-1, 1] (an nDCG@10 "
                    + "difference), was " + minHeldOutGain);
        }
        if (!(maxRetentionLoss >= 0 && maxRetentionLoss <= 1)) {
            throw new IllegalArgumentException("promotionGate.maxRetentionLoss must be in [0, 1] (an nDCG@10 "
                    + "difference), was " + maxRetentionLoss);
        }
    }

    /** The default margins: gain >= 0.0, retention loss <= 0.01. */
    public static PromotionGate defaults() {
        return new PromotionGate(DEFAULT_MIN_HELD_OUT_GAIN, DEFAULT_MAX_RETENTION_LOSS);
    }

    /** Promote or reject a candidate with these metrics; the reason names the figures either way. */
    public Decision decide(AdapterMetrics metrics) {
        Objects.requireNonNull(metrics, "metrics");
        double gain = metrics.heldOutGain();
        double loss = metrics.retentionLoss();
        String figures = String.format(Locale.ROOT, "held-out nDCG@10 %.4f vs parent %.4f (gain %+.4f, needs >= %.4f)",
                metrics.heldOutNdcg10(), metrics.parentHeldOutNdcg10(), gain, minHeldOutGain);
        String retention = metrics.retentionQueries() == 0 ? "no retention sample"
                : String.format(Locale.ROOT, "retention nDCG@10 %.4f vs parent %.4f (loss %.4f, allowed <= %.4f)",
                        metrics.retentionNdcg10(), metrics.parentRetentionNdcg10(), loss, maxRetentionLoss);
        // A tiny epsilon so that a gain of exactly the margin, computed in floating point, still passes.
        boolean gainOk = gain >= minHeldOutGain - 1e-12;
        boolean retentionOk = loss <= maxRetentionLoss + 1e-12;
        if (gainOk && retentionOk) {
            return new Decision(true, "promoted by the gate: " + figures + "; " + retention);
        }
        StringBuilder why = new StringBuilder("rejected by the gate: ");
        if (!gainOk) {
            why.append(figures);
        }
        if (!retentionOk) {
            why.append(gainOk ? "" : "; ").append(retention);
        }
        return new Decision(false, why.toString());
    }
}
