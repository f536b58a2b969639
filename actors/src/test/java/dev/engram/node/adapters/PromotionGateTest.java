package dev.engram.node.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.streams.AdapterStatus;
import org.junit.jupiter.api.Test;

class PromotionGateTest {

    private final PromotionGate gate = new PromotionGate(0.005, 0.01);

    @Test
    void promotesAGainAtOrAboveTheMarginWithinTheRetentionMargin() {
        PromotionGate.Decision d = gate.decide(Events.metrics(0.40, 0.41, 0.50, 0.495));
        assertThat(d.status()).isEqualTo(AdapterStatus.PROMOTED);
        assertThat(d.reason()).contains("0.4000 -> 0.4100").contains("+0.0100").contains("retention 0.5000 -> 0.4950");
        assertThat(gate.decide(Events.metrics(0.40, 0.405)).promoted()).as("exactly the margin passes").isTrue();
    }

    @Test
    void rejectsAGainBelowTheMarginSayingByHowMuch() {
        PromotionGate.Decision d = gate.decide(Events.metrics(0.40, 0.402));
        assertThat(d.status()).isEqualTo(AdapterStatus.REJECTED);
        assertThat(d.reason()).contains("held-out gain +0.0020 is below the margin +0.0050");
        assertThat(gate.decide(Events.metrics(0.40, 0.35)).promoted()).as("a regression").isFalse();
    }

    @Test
    void rejectsForgettingBeyondTheRetentionMargin() {
        PromotionGate.Decision d = gate.decide(Events.metrics(0.40, 0.45, 0.50, 0.48));
        assertThat(d.status()).isEqualTo(AdapterStatus.REJECTED);
        assertThat(d.reason()).contains("retention loss 0.0200 exceeds the margin 0.0100");
        assertThat(gate.decide(Events.metrics(0.40, 0.45, 0.50, 0.49)).promoted()).as("exactly the margin").isTrue();
    }

    @Test
    void withoutARetentionSampleOnlyTheHeldOutGainCounts() {
        PromotionGate.Decision d = PromotionGate.defaults().decide(Events.metrics(0.40, 0.40));
        assertThat(d.promoted()).as("default margin 0: not worse is enough").isTrue();
        assertThat(d.reason()).contains("no retention sample");
    }

    @Test
    void marginsAreValidatedNamingTheField() {
        assertThatThrownBy(() -> new PromotionGate(2, 0.01)).hasMessageContaining("minHeldOutGain");
        assertThatThrownBy(() -> new PromotionGate(0, -0.1)).hasMessageContaining("maxRetentionLoss");
        assertThatThrownBy(() -> new PromotionGate(0, Double.NaN)).hasMessageContaining("maxRetentionLoss");
    }
}
