package dev.engram.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        DemoOptions d = DemoOptions.defaults();
        assertThat(d.dataDir()).isEqualTo(Path.of(".engram", "demo"));
        assertThat(d.bootstrapServers()).isNull();
        assertThat(d.k()).isEqualTo(100);
        assertThat(d.httpPort()).isZero();
        assertThat(d.ingestTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.rounds()).isEqualTo(2);
        assertThat(d.splitSeed()).isEqualTo(1);
    }

    @Test
    void withersChangeOneSetting() {
        DemoOptions d = DemoOptions.defaults()
                .withDataDir(Path.of("x"))
                .withBootstrapServers("h:9092")
                .withK(20)
                .withHttpPort(8080)
                .withIngestTimeout(Duration.ofSeconds(9))
                .withProgressBars(true)
                .withRounds(2)
                .withSplitSeed(5)
                .withRoundTimeout(Duration.ofMinutes(3))
                .withKafkaProperties(java.util.Map.of("security.protocol", "SASL_SSL"));
        assertThat(d)
                .isEqualTo(new DemoOptions(
                        Path.of("x"),
                        "h:9092",
                        20,
                        8080,
                        Duration.ofSeconds(9),
                        true,
                        2,
                        5,
                        Duration.ofMinutes(3),
                        java.util.Map.of("security.protocol", "SASL_SSL")));
    }

    @Test
    void rejectionsNameTheSetting() {
        DemoOptions d = DemoOptions.defaults();
        assertThatThrownBy(() -> d.withK(5)).hasMessageContaining("demoOptions.k");
        assertThatThrownBy(() -> d.withBootstrapServers(" ")).hasMessageContaining("demoOptions.bootstrapServers");
        assertThatThrownBy(() -> d.withHttpPort(70000)).hasMessageContaining("demoOptions.httpPort");
        assertThatThrownBy(() -> d.withIngestTimeout(Duration.ZERO)).hasMessageContaining("demoOptions.ingestTimeout");
        assertThatThrownBy(() -> d.withDataDir(null)).hasMessageContaining("demoOptions.dataDir");
        assertThatThrownBy(() -> d.withKafkaProperties(java.util.Map.of("sasl.mechanism", "PLAIN")))
                .as("the embedded broker is plaintext")
                .hasMessageContaining("demoOptions.kafkaProperties");
        assertThatThrownBy(() -> d.withRounds(-1)).hasMessageContaining("demoOptions.rounds");
        assertThatThrownBy(() -> d.withRoundTimeout(Duration.ZERO)).hasMessageContaining("demoOptions.roundTimeout");
    }
}
