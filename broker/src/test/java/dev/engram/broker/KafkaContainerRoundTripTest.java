package dev.engram.broker;

import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same round trip as {@link EmbeddedKafkaTest} against Kafka in a container. Runs where
 * Docker is available; skipped cleanly elsewhere.
 */
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerRoundTripTest {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.3.1");

    @Test
    void feedbackRoundTripsWithManualCommits() throws Exception {
        FeedbackRoundTrip.run(KAFKA.getBootstrapServers(), "container-round-trip");
    }
}
