package dev.engram.retriever;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EncoderConfigTest {

    @Test
    void defaultsAreMiniLmAt256Tokens() {
        EncoderConfig c = EncoderConfig.defaults();
        assertThat(c.model()).isEqualTo(EncoderModel.ALL_MINILM_L6_V2);
        assertThat(c.maxLength()).isEqualTo(256);
        assertThat(c.batchSize()).isEqualTo(32);
        assertThat(c.toBuilder().batchSize(8).build().batchSize()).isEqualTo(8);
    }

    @Test
    void invalidSettingsNameTheField() {
        assertThatThrownBy(() -> EncoderConfig.custom().maxLength(1).build()).hasMessageContaining("maxLength");
        assertThatThrownBy(() -> EncoderConfig.custom().batchSize(0).build()).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> EncoderConfig.custom().intraOpThreads(-1).build())
                .hasMessageContaining("intraOpThreads");
        assertThatThrownBy(() -> EncoderConfig.custom().device("tpu").build()).hasMessageContaining("device");
        assertThatThrownBy(() -> new BertConfig(100, 384, 6, 5, 1536, 512, 2, 1e-12f))
                .hasMessageContaining("numHeads");
        assertThatThrownBy(() -> new TokenBatch(2, 3, new long[6], new long[5], new long[6]))
                .hasMessageContaining("attentionMask");
    }

    @Test
    void aModelMissingFromTheClasspathSaysWhichArtifactToAdd() {
        EncoderModel absent = new EncoderModel("nobody/absent", "absent.onnx", "absent.json", Pooling.CLS);
        assertThatThrownBy(() -> TextEncoder.load(
                        EncoderConfig.custom().model(absent).device("cpu").build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("absent.onnx");
    }
}
