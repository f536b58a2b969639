package dev.engram.tools.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStore;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.ingest.OffsetCommitData;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.GroupOffsets;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.StreamAssertions;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.runtime.EngramClient;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import dev.engram.tools.testing.ChildNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with SIGKILL in the middle of a stream (no shutdown hook, no final commit) and
 * started again loses nothing, doubles nothing and counts every judgement once.
 */
class CrashRecoveryTest {

    @Test
    void aNodeKilledMidStreamRestartsWithoutLosingOrDoublingAnything(@TempDir Path dir) throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String group = TestIds.unique("crash");
        Path data = dir.resolve("node");
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("crash"), 3, 4_000, 400, 100, 7);
        Produced produced = Produced.send(bootstrap, stream.items());
        long mine = stream.items().size();

        try (GroupOffsets offsets = new GroupOffsets(bootstrap, group)) {
            // Small batches, each its own index commit: many commits, so the kill lands between two of them.
            ChildNode child =
                    ChildNode.serve(bootstrap, data, group, "--max-batch", "100", "--commit-max-events", "100");
            try {
                child.awaitReady(Duration.ofMinutes(2));
                Await.until(
                        "the child node to commit a quarter of the stream",
                        Duration.ofMinutes(2),
                        () -> offsets.committedSince(produced.firstOffsets()) >= mine / 4,
                        () -> "committed " + offsets.committed() + "; child log:\n" + child.logTail());
                child.kill();
            } finally {
                child.close();
            }
            long committedAtKill = offsets.committedSince(produced.firstOffsets());
            assertThat(committedAtKill).as("killed in the middle of the stream").isLessThan(mine);

            NodeConfig config = NodeConfig.builder(data)
                    .bootstrapServers(bootstrap)
                    .groupId(group)
                    .httpPort(0)
                    .tuning(TuningSchedulerConfig.disabled())
                    .build();
            try (EngramNode node = EngramNode.start(config)) {
                // The restarted node resumes from the offsets its index commit recorded.
                assertThat(OffsetCommitData.read(node.store().committedData())).isNotEmpty();
                Await.until(
                        "the restarted node to commit the rest of the stream",
                        Duration.ofMinutes(2),
                        () -> offsets.reached(produced.endOffsets()),
                        () -> "committed " + offsets.committed() + " of " + produced.endOffsets());

                try (CaseStore reference = stream.referenceStore(dir.resolve("reference"))) {
                    StreamAssertions.assertExactlyOnce(node.store(), reference, stream);
                }
                StreamAssertions.assertDeadLettered(bootstrap, produced);

                String tenant = stream.tenants().iterator().next();
                try (EngramClient client = EngramClient.builder()
                        .nodeUrl(URI.create(node.httpUrl()))
                        .apiKey(node.localAdminKey().orElseThrow())
                        .agentId("crash-recovery")
                        .build()) {
                    RecallResponse recall = client.recall(tenant, "login session cache", 5);
                    assertThat(recall.ranked())
                            .extracting(RecalledCase::caseId)
                            .anyMatch(id -> id.startsWith(tenant + "-e"));
                }
            }
        }
    }
}
