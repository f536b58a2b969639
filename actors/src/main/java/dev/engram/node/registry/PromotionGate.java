package dev.engram.node.registry;

import dev.engram.retriever.eval.GateVerdict;
import dev.engram.retriever.eval.PairedTest;
import dev.engram.streams.AdapterMetrics;
import java.util.Locale;
import java.util.Objects;

/**
 * Decides whether a candidate version is served. When the node measured the candidate itself
 * ({@link #decide(PairedTest, String)}: candidate and serving version, each with its adapter and
 * ranker policy, on every task held out so far, paired per task), it is promoted only when the
 * paired bootstrap interval's lower bound of the mean nDCG@10 gain is at least
 * {@code -maxHeldOutLoss} and the mean gain at least {@code minHeldOutGain}; the reason reports n,
 * the mean gain, its interval and the randomisation p-value. Otherwise ({@link #decide(AdapterMetrics)})
 * it decides on the worker's published figures: held-out gain at least {@code minHeldOutGain} and
 * retention loss at most {@code maxRetentionLoss}. Pure and deterministic (the bootstrap is seeded),
 * so every node that reads the same candidate and holds the same data decides the same.
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
 * @param maxHeldOutLoss largest held-out nDCG@10 loss tolerated at the lower bound of the paired
 *     interval, in [0, 1] (default {@value #DEFAULT_MAX_HELD_OUT_LOSS}): the candidate must be
 *     shown not worse than the serving version by more than this
 * @param confidence the paired bootstrap interval's coverage, in [0.5, 1) (default
 *     {@value #DEFAULT_CONFIDENCE})
 */
public record PromotionGate(double minHeldOutGain, double maxRetentionLoss, double maxHeldOutLoss, double confidence) {

    /** Default: a candidate must not be worse than its parent on the held-out queries. */
    public static final double DEFAULT_MIN_HELD_OUT_GAIN = 0.0;
    /** Default: at most one nDCG@10 point lost on the retention sample. */
    public static final double DEFAULT_MAX_RETENTION_LOSS = 0.01;
    /** Default: the paired interval may reach at most one nDCG@10 point below the serving version. */
    public static final double DEFAULT_MAX_HELD_OUT_LOSS = PairedTest.DEFAULT_MAX_LOSS;
    /** Default: the paired bootstrap interval covers 95%. */
    public static final double DEFAULT_CONFIDENCE = PairedTest.DEFAULT_CONFIDENCE;

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
        if (!(maxHeldOutLoss >= 0 && maxHeldOutLoss <= 1)) {
            throw new IllegalArgumentException("promotionGate.maxHeldOutLoss must be in [0, 1] (an nDCG@10 "
                    + "difference), was " + maxHeldOutLoss);
        }
        if (!(confidence >= 0.5 && confidence < 1)) {
            throw new IllegalArgumentException(
                    "promotionGate.confidence must be in [0.5, 1), e.g. 0.95, was " + confidence);
        }
    }

    /** A gate with these margins on the published figures and the default paired-test margin and confidence. */
    public PromotionGate(double minHeldOutGain, double maxRetentionLoss) {
        this(minHeldOutGain, maxRetentionLoss, DEFAULT_MAX_HELD_OUT_LOSS, DEFAULT_CONFIDENCE);
    }

    /** The default margins: gain >= 0.0, retention loss <= 0.01, paired 95% lower bound >= -0.01. */
    public static PromotionGate defaults() {
        return new PromotionGate(
                DEFAULT_MIN_HELD_OUT_GAIN, DEFAULT_MAX_RETENTION_LOSS, DEFAULT_MAX_HELD_OUT_LOSS, DEFAULT_CONFIDENCE);
    }

    /**
     * Promote or reject on the node's own paired measurement of candidate against {@code servingLabel}
     * on the held-out tasks; the reason names n, the mean gain, its interval and the p-value.
     */
    public Decision decide(PairedTest test, String servingLabel) {
        Objects.requireNonNull(test, "test");
        GateVerdict verdict = test.verdict(maxHeldOutLoss, minHeldOutGain);
        return new Decision(
                verdict.promote(),
                (verdict.promote() ? "promoted by the gate" : "rejected by the gate") + " against " + servingLabel
                        + " on the node's held-out tasks: " + verdict.reason());
    }

    /** Promote or reject a candidate with these metrics; the reason names the figures either way. */
    public Decision decide(AdapterMetrics metrics) {
        Objects.requireNonNull(metrics, "metrics");
        double gain = metrics.heldOutGain();
        double loss = metrics.retentionLoss();
        String figures = String.format(
                Locale.ROOT,
                "held-out nDCG@10 %.4f vs parent %.4f (gain %+.4f, needs >= %.4f)",
                metrics.heldOutNdcg10(),
                metrics.parentHeldOutNdcg10(),
                gain,
                minHeldOutGain);
        String retention = metrics.retentionQueries() == 0
                ? "no retention sample"
                : String.format(
                        Locale.ROOT,
                        "retention nDCG@10 %.4f vs parent %.4f (loss %.4f, allowed <= %.4f)",
                        metrics.retentionNdcg10(),
                        metrics.parentRetentionNdcg10(),
                        loss,
                        maxRetentionLoss);
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
