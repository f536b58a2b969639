package dev.engram.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.engram.node.registry.PromotionGate;
import dev.engram.retriever.eval.PairedTest;
import dev.engram.streams.AdapterMetrics;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's summary reads back what the node's paired gate decided on, from the verdict's reason. */
class GateFiguresTest {

    @Test
    void readsTheGatesOwnPairedFiguresBackFromItsReason() {
        double[] candidate = {0.9, 0.4, 0.7, 0.65, 0.2, 0.55, 0.8, 0.3, 0.6, 0.5, 0.45, 0.35, 0.7};
        double[] serving = {0.6, 0.5, 0.5, 0.65, 0.1, 0.40, 0.9, 0.3, 0.4, 0.5, 0.30, 0.45, 0.5};
        PairedTest test = PairedTest.of(candidate, serving);
        String reason = PromotionGate.defaults().decide(test, "base").reason();

        GateFigures figures = GateFigures.in(reason).orElseThrow();

        assertThat(figures.n()).isEqualTo(13);
        assertThat(figures.meanGain()).isCloseTo(test.meanGain(), offset(5e-5));
        assertThat(figures.lower()).isCloseTo(test.lower(), offset(5e-5));
        assertThat(figures.upper()).isCloseTo(test.upper(), offset(5e-5));
        assertThat(figures.confidencePercent()).isEqualTo(95);
        assertThat(figures.cell())
                .isEqualTo(String.format(
                        java.util.Locale.ROOT,
                        "n 13: %+.1f [%+.1f, %+.1f]",
                        100 * test.meanGain(),
                        100 * test.lower(),
                        100 * test.upper()));
    }

    @Test
    void aVerdictOnAWorkersPublishedFiguresHasNone() {
        AdapterMetrics published = new AdapterMetrics(0.41, 0.40, 13, null, null, 0, Map.of());
        String reason = PromotionGate.defaults().decide(published).reason();

        assertThat(GateFigures.in(reason)).isEmpty();
        assertThat(GateFigures.in(null)).isEmpty();
    }
}
