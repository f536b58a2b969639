package dev.engram.node.adapters.internal;

import static dev.engram.node.adapters.Events.metrics;
import static dev.engram.node.adapters.Events.AT;
import static dev.engram.node.adapters.Events.placeholder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.adapters.AdapterView;
import dev.engram.node.adapters.PromotionGate;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What should serve, by topic order: gate, explicit statuses, invalid files, pins, rollbacks. */
class AdapterLedgerTest {

    private static final String A = "acme-retriever";
    private final AdapterLedger ledger = new AdapterLedger(new PromotionGate(0.005, 0.01));
    private long offset;

    private void candidate(long version, double parent, double held) {
        ledger.adapterArrived(placeholder(A, "acme", version, AdapterStatus.CANDIDATE, metrics(parent, held)), offset++,
                null);
    }

    private void control(AdapterControl c) {
        ledger.controlArrived(c, offset++);
    }

    @Test
    void theNewestCandidateThatPassesTheGateServesAndARegressionDoesNot() {
        assertThat(ledger.target(A)).isNull();
        candidate(1, 0.30, 0.35);
        candidate(2, 0.35, 0.33);
        assertThat(ledger.target(A)).isEqualTo(1L);
        AdapterView view = ledger.view(A).orElseThrow();
        assertThat(view.version(2).orElseThrow().status()).isEqualTo(AdapterStatus.REJECTED);
        assertThat(view.version(2).orElseThrow().reason()).contains("below the margin");
        assertThat(view.version(2).orElseThrow().decidedBy()).isEqualTo("gate");
        assertThat(view.versions()).extracting(v -> v.version()).containsExactly(2L, 1L);
    }

    @Test
    void anExplicitStatusOnTheTopicOverridesTheGate() {
        candidate(1, 0.30, 0.20);
        assertThat(ledger.target(A)).isNull();
        AdapterPublished promoted = placeholder(A, "acme", 1, AdapterStatus.CANDIDATE, metrics(0.30, 0.20))
                .withStatus(AdapterStatus.PROMOTED, "operator says so");
        ledger.adapterArrived(promoted, offset++, null);
        assertThat(ledger.target(A)).isEqualTo(1L);
        assertThat(ledger.view(A).orElseThrow().version(1).orElseThrow().decidedBy()).isEqualTo("topic");
    }

    @Test
    void invalidFilesNeverServeAndThePreviousVersionKeepsServing() {
        candidate(1, 0.30, 0.35);
        ledger.adapterArrived(placeholder(A, "acme", 2, AdapterStatus.PROMOTED, metrics(0.35, 0.40)), offset++,
                "invalid adapter files: NaN in lora_B");
        assertThat(ledger.target(A)).isEqualTo(1L);
        assertThat(ledger.view(A).orElseThrow().version(2).orElseThrow().reason()).contains("NaN");
    }

    @Test
    void aPinHoldsAgainstLaterPromotionsUntilUnpinned() {
        candidate(1, 0.30, 0.35);
        candidate(2, 0.35, 0.40);
        control(AdapterControl.pin(A, 1, "ana", "v2 hurts refunds", AT));
        candidate(3, 0.40, 0.45);
        assertThat(ledger.target(A)).isEqualTo(1L);
        assertThat(ledger.view(A).orElseThrow().control().inEffect()).isTrue();
        control(AdapterControl.unpin(A, "ana", "", AT));
        assertThat(ledger.target(A)).isEqualTo(3L);
    }

    @Test
    void aRollbackHoldsUntilAVersionIsPromotedAfterIt() {
        candidate(1, 0.30, 0.35);
        candidate(2, 0.35, 0.40);
        candidate(3, 0.40, 0.45);
        control(AdapterControl.rollback(A, 1, "ana", "", AT));
        assertThat(ledger.target(A)).isEqualTo(1L);
        candidate(4, 0.40, 0.38);
        assertThat(ledger.target(A)).as("a rejected candidate does not end the rollback").isEqualTo(1L);
        candidate(5, 0.40, 0.46);
        assertThat(ledger.target(A)).isEqualTo(5L);
        assertThat(ledger.view(A).orElseThrow().control().note()).contains("superseded by v5");
    }

    @Test
    void aPinToAVersionThatCannotServeIsNotInEffect() {
        candidate(1, 0.30, 0.35);
        control(AdapterControl.pin(A, 7, "ana", "", AT));
        assertThat(ledger.target(A)).isEqualTo(1L);
        assertThat(ledger.view(A).orElseThrow().control().note()).contains("v7 is unknown");
    }

    @Test
    void reDeliveryIsIdempotentAndADifferentPayloadForAKnownVersionIsRefused() {
        candidate(1, 0.30, 0.35);
        candidate(1, 0.30, 0.35);
        assertThat(ledger.view(A).orElseThrow().versions()).hasSize(1);
        AdapterPublished other = dev.engram.node.adapters.Events.event(A, "acme", 1, AdapterStatus.PROMOTED, metrics(0.3, 0.35), List.of(
                new dev.engram.streams.AdapterFile("adapter_config.json", new byte[] {9}),
                new dev.engram.streams.AdapterFile("adapter_model.safetensors", new byte[] {9})));
        ledger.adapterArrived(other, offset++, null);
        assertThat(ledger.view(A).orElseThrow().rejections()).singleElement()
                .satisfies(r -> assertThat(r.reason()).contains("different payload"));
    }

    @Test
    void gateDecisionsArePublishedOnceAndExplicitStatusesNever() {
        candidate(1, 0.30, 0.35);
        candidate(2, 0.35, 0.30);
        ledger.adapterArrived(placeholder(A, "acme", 3, AdapterStatus.PROMOTED, metrics(0.35, 0.40)), offset++, null);
        List<AdapterPublished> decided = ledger.takeUnpublishedDecisions();
        assertThat(decided).extracting(AdapterPublished::version, AdapterPublished::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, AdapterStatus.PROMOTED),
                        org.assertj.core.groups.Tuple.tuple(2L, AdapterStatus.REJECTED));
        assertThat(ledger.takeUnpublishedDecisions()).isEmpty();
    }

    @Test
    void rejectedRecordsAreListedUnderTheirAdapter() {
        ledger.recordRejected(A + "/v4", 17, "payloadSha256 does not match");
        assertThat(ledger.view(A).orElseThrow().rejections()).singleElement()
                .satisfies(r -> assertThat(r.key()).isEqualTo(A + "/v4"));
    }
}
