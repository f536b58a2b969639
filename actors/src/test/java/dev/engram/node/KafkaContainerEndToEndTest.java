package dev.engram.node;

import dev.engram.memory.CaseStore;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.GroupOffsets;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.StreamAssertions;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The end-to-end test against a Kafka broker in a container, for hosts with Docker (CI); skipped
 * where there is none.
 */
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerEndToEndTest {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

    @Test
    void recordsWithDuplicatesAndInvalidOnesLandExactlyOnce(@TempDir Path data, @TempDir Path ref) throws Exception {
        String bootstrap = KAFKA.getBootstrapServers();
        String group = TestIds.unique("container");
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("container"), 3, 2_000, 300, 100, 11);

        NodeConfig config = NodeConfig.builder(data)
                .bootstrapServers(bootstrap)
                .groupId(group)
                .httpPort(0)
                .tuning(TuningSchedulerConfig.disabled())
                .build();
        try (EngramNode node = EngramNode.start(config);
                GroupOffsets offsets = new GroupOffsets(bootstrap, group)) {
            Produced produced = Produced.send(bootstrap, stream.items());
            Await.until(
                    "the node to commit every record sent",
                    Duration.ofMinutes(3),
                    () -> offsets.reached(produced.endOffsets()));
            try (CaseStore reference = stream.referenceStore(ref)) {
                StreamAssertions.assertExactlyOnce(node.store(), reference, stream);
            }
            StreamAssertions.assertDeadLettered(bootstrap, produced);
        }
    }
}
