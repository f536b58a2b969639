package dev.engram.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.TrustedWorkerKeys;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SDK client's settings keep their secrets out of their printed form. */
class ClientSettingsTest {

    @Test
    void printedSettingsShowNeitherTheApiKeyNorKafkaPropertyValues() {
        ClientSettings settings = new ClientSettings(
                List.of(URI.create("http://localhost:7070")),
                Duration.ZERO,
                "localhost:9092",
                Map.of(
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required "
                                + "username=\"agent\" password=\"kafka-secret-42\";"),
                "agent-1",
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                FeedbackTopicLayout.SHARED,
                "api-secret-17",
                TrustedWorkerKeys.none(),
                Duration.ofSeconds(2),
                null,
                null);
        assertThat(settings.toString())
                .contains("agent-1", "localhost:9092", "sasl.jaas.config", "apiKey=(set)")
                .doesNotContain("api-secret-17")
                .doesNotContain("kafka-secret-42");
    }
}
