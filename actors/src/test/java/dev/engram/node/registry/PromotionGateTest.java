package dev.engram.node.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void rejectsBadMargins() {
        assertThatThrownBy(() -> new PromotionGate(Double.NaN, 0.01)).hasMessageContaining("minHeldOutGain");
        assertThatThrownBy(() -> new PromotionGate(0, -0.1)).hasMessageContaining("maxRetentionLoss");
    }
}
