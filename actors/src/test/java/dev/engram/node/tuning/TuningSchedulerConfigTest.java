package dev.engram.node.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.engram.streams.AdapterMethod;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TuningSchedulerConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        TuningSchedulerConfig c = TuningSchedulerConfig.defaults();
        assertThat(c.enabled()).isTrue();
        assertThat(c.minNewJudged()).isEqualTo(200);
        assertThat(c.maxInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(c.method()).isEqualTo(AdapterMethod.LORA_QUERY_SIDE);
        assertThat(c.workerGroupId()).isEqualTo("engram-workers");
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.replayFraction()).isEqualTo(0.5);
    }

    @Test
    void theInNodeWorkerFollowsTheEmbeddedBrokerUnlessSet() {
        assertThat(TuningSchedulerConfig.defaults().runsWorker(true)).isTrue();
        assertThat(TuningSchedulerConfig.defaults().runsWorker(false)).isFalse();
        assertThat(TuningSchedulerConfig.builder().inNodeWorker(true).build().runsWorker(false))
                .isTrue();
        assertThat(TuningSchedulerConfig.disabled().runsWorker(true)).isFalse();
        assertThat(TuningSchedulerConfig.disabled().enabled()).isFalse();
    }

    @Test
    void badSettingsAreRejectedByName() {
        assertThatThrownBy(() -> TuningSchedulerConfig.builder().minNewJudged(0).build())
                .hasMessageContaining("tuningSchedulerConfig.minNewJudged");
        assertThatThrownBy(() ->
                        TuningSchedulerConfig.builder().heldOutFraction(1.0).build())
                .hasMessageContaining("tuningSchedulerConfig.heldOutFraction");
        assertThatThrownBy(() -> TuningSchedulerConfig.builder()
                        .jobTimeout(Duration.ZERO)
                        .build())
                .hasMessageContaining("tuningSchedulerConfig.jobTimeout");
        assertThatThrownBy(() -> TuningSchedulerConfig.builder()
                        .workerGroupId("bad group")
                        .build())
                .hasMessageContaining("tuningSchedulerConfig.workerGroupId");
        assertThatThrownBy(() ->
                        TuningSchedulerConfig.builder().replayFraction(-0.1).build())
                .hasMessageContaining("tuningSchedulerConfig.replayFraction");
    }

    @Test
    void theAdapterIsNamedAfterTheTenant() {
        assertThat(TuningSchedulerConfig.adapterName("acme")).isEqualTo("acme-retriever");
    }
}
