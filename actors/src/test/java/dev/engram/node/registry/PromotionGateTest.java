package dev.engram.node.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.retriever.eval.PairedTest;
import dev.engram.streams.AdapterMetrics;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromotionGateTest {

    private static AdapterMetrics metrics(
            double heldOut, double parentHeldOut, Double retention, Double parentRetention) {
        return new AdapterMetrics(
                heldOut, parentHeldOut, 40, retention, parentRetention, retention == null ? 0 : 25, Map.of());
    }

    @Test
    void promotesAGainWithinTheRetentionMargin() {
        PromotionGate.Decision d = PromotionGate.defaults().decide(metrics(0.412, 0.405, 0.385, 0.390));
        assertThat(d.promoted()).isTrue();
        assertThat(d.reason()).contains("0.4120").contains("+0.0070");
    }

    @Test
    void rejectsAHeldOutRegressionNamingTheFigures() {
        PromotionGate.Decision d = PromotionGate.defaults().decide(metrics(0.380, 0.405, 0.390, 0.390));
        assertThat(d.promoted()).isFalse();
        assertThat(d.reason())
                .startsWith("rejected by the gate")
                .contains("0.3800")
                .contains("0.4050")
                .contains("-0.0250");
    }

    @Test
    void rejectsForgettingBeyondTheMargin() {
        PromotionGate.Decision d = PromotionGate.defaults().decide(metrics(0.450, 0.405, 0.370, 0.390));
        assertThat(d.promoted()).isFalse();
        assertThat(d.reason())
                .contains("retention")
                .contains("loss 0.0200")
                .contains("0.0100")
                .doesNotContain("held-out");
    }

    @Test
    void noRetentionSampleMeansNoRetentionLoss() {
        assertThat(PromotionGate.defaults()
                        .decide(metrics(0.40, 0.40, null, null))
                        .promoted())
                .isTrue();
    }

    @Test
    void marginsAreConfigurable() {
        PromotionGate strict = new PromotionGate(0.01, 0.0);
        assertThat(strict.decide(metrics(0.412, 0.405, 0.390, 0.390)).promoted())
                .isFalse();
        assertThat(strict.decide(metrics(0.420, 0.405, 0.390, 0.390)).promoted())
                .isTrue();
        assertThat(strict.decide(metrics(0.420, 0.405, 0.389, 0.390)).promoted())
                .isFalse();
        assertThat(new PromotionGate(-0.05, 0.01)
                        .decide(metrics(0.38, 0.40, null, null))
                        .promoted())
                .isTrue();
    }

    @Test
    void theConfidenceOfThePairedIntervalIsConfigurable() {
        // 30 tasks, gains alternating +0.050 and -0.045: mean +0.0025, a wide spread
        double[] serving = new double[30];
        double[] candidate = new double[30];
        for (int i = 0; i < 30; i++) {
            serving[i] = 0.4;
            candidate[i] = 0.4 + (i % 2 == 0 ? 0.05 : -0.045);
        }
        PromotionGate usual = PromotionGate.defaults();
        PromotionGate looser = new PromotionGate(0.0, 0.01, 0.01, 0.6);
        assertThat(usual.confidence()).isEqualTo(0.95);
        assertThat(usual.decide(test(candidate, serving, usual), "v1").promoted())
                .as("the 95% interval reaches below -0.01")
                .isFalse();
        PromotionGate.Decision at60 = looser.decide(test(candidate, serving, looser), "v1");
        assertThat(at60.promoted()).as(at60.reason()).isTrue();
        assertThat(at60.reason()).contains("60% interval");
    }

    private static PairedTest test(double[] candidate, double[] serving, PromotionGate gate) {
        return PairedTest.of(
                candidate, serving, gate.confidence(), PairedTest.DEFAULT_RESAMPLES, PairedTest.DEFAULT_SEED);
    }

    @Test
    void rejectsBadMargins() {
        assertThatThrownBy(() -> new PromotionGate(Double.NaN, 0.01)).hasMessageContaining("minHeldOutGain");
        assertThatThrownBy(() -> new PromotionGate(0, -0.1)).hasMessageContaining("maxRetentionLoss");
        assertThatThrownBy(() -> new PromotionGate(0, 0.01, 0.01, 1.0)).hasMessageContaining("confidence");
    }
}
