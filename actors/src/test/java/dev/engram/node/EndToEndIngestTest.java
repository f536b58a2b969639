package dev.engram.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStore;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.GroupOffsets;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.StreamAssertions;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 10,000 records through a real broker into a real node. */
class EndToEndIngestTest {

    @Test
    void tenThousandRecordsWithDuplicatesAndInvalidOnesLandExactlyOnce(@TempDir Path data, @TempDir Path ref)
            throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String group = TestIds.unique("e2e");
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("e2e"), 5, 8_000, 1_500, 500, 42);
        assertThat(stream.items()).hasSize(10_000);
        assertThat(stream.invalidCount()).isEqualTo(500);

        NodeConfig config = NodeConfig.builder(data)
                .bootstrapServers(bootstrap)
                .groupId(group)
                .httpPort(0)
                .tuning(TuningSchedulerConfig.disabled())
                .build();
        try (EngramNode node = EngramNode.start(config);
                GroupOffsets offsets = new GroupOffsets(bootstrap, group)) {
            Produced produced = Produced.send(bootstrap, stream.items());

            // Committed offsets mean: the index commit covers them and their dead letters are acked.
            Await.until(
                    "the node to commit every record sent",
                    Duration.ofMinutes(3),
                    () -> offsets.reached(produced.endOffsets()),
                    () -> "committed " + offsets.committed() + ", cases "
                            + StreamAssertions.counts(node.store(), stream.tenants()));

            try (CaseStore reference = stream.referenceStore(ref)) {
                StreamAssertions.assertExactlyOnce(node.store(), reference, stream);
            }
            StreamAssertions.assertDeadLettered(bootstrap, produced);
            String metrics = node.metricsText();
            assertThat(counter(metrics, "engram_events_ingested_total")).isGreaterThanOrEqualTo(8_000);
            assertThat(counter(metrics, "engram_events_invalid_total")).isGreaterThanOrEqualTo(500);
            assertThat(counter(metrics, "engram_events_dead_lettered_total")).isGreaterThanOrEqualTo(500);
            assertThat(metrics)
                    .contains(
                            "engram_ingest_batch_seconds_count",
                            "engram_ingest_index_commit_seconds_count",
                            "engram_consumer_lag",
                            "resilience4j_retry_calls_total{kind=\"successful_without_retry\",name=\"engram.store-write\"}");
        }
    }

    static double counter(String metrics, String name) {
        return metrics.lines()
                .filter(l -> l.startsWith(name + " "))
                .mapToDouble(
                        l -> Double.parseDouble(l.substring(name.length() + 1).trim()))
                .findFirst()
                .orElse(-1);
    }
}
