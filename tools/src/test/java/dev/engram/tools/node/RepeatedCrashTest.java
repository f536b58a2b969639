package dev.engram.tools.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStore;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.GroupOffsets;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.StreamAssertions;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.tools.testing.ChildNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability claim at scale: a node JVM killed with SIGKILL five times during a 20,000-event
 * ingest over several tenants (duplicates and invalid records mixed in), restarted each time on its
 * data directory, ends with exactly the cases a crash-free reference holds: nothing lost, nothing
 * doubled, every judgement counted once, every invalid record dead-lettered.
 */
class RepeatedCrashTest {

    private static final int KILLS = 5;

    @Test
    void fiveKillsDuringTwentyThousandEventsLoseAndDoubleNothing(@TempDir Path dir) throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String group = TestIds.unique("crash5");
        Path data = dir.resolve("node");
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("crash5"), 5, 20_000, 1_000, 200, 11);
        Produced produced = Produced.send(bootstrap, stream.items());
        long total = stream.items().size();

        List<Long> committedAtKills = new ArrayList<>();
        try (GroupOffsets offsets = new GroupOffsets(bootstrap, group)) {
            for (int kill = 1; kill <= KILLS; kill++) {
                long target = total * kill / (KILLS + 1);
                // Small batches: many index commits, so each kill lands between two of them.
                ChildNode child = ChildNode.serve(bootstrap, data, group, "--max-batch", "200");
                try {
                    child.awaitReady(Duration.ofMinutes(2));
                    Await.until(
                            "the child node to commit " + target + " of " + total + " records (kill " + kill + ")",
                            Duration.ofMinutes(3),
                            () -> offsets.committedSince(produced.firstOffsets()) >= target,
                            () -> "committed " + offsets.committed() + "; child log:\n" + child.logTail());
                    child.kill();
                } finally {
                    child.close();
                }
                committedAtKills.add(offsets.committedSince(produced.firstOffsets()));
            }
            assertThat(committedAtKills)
                    .as("each kill landed further into the stream, before its end")
                    .isSorted()
                    .allSatisfy(c -> assertThat(c).isLessThan(total));

            NodeConfig config = NodeConfig.builder(data)
                    .bootstrapServers(bootstrap)
                    .groupId(group)
                    .httpPort(0)
                    .tuning(TuningSchedulerConfig.disabled())
                    .build();
            try (EngramNode node = EngramNode.start(config)) {
                Await.until(
                        "the last restart to commit the rest of the stream",
                        Duration.ofMinutes(3),
                        () -> offsets.reached(produced.endOffsets()),
                        () -> "committed " + offsets.committed() + " of " + produced.endOffsets());
                try (CaseStore reference = stream.referenceStore(dir.resolve("reference"))) {
                    StreamAssertions.assertExactlyOnce(node.store(), reference, stream);
                }
                StreamAssertions.assertDeadLettered(bootstrap, produced);
            }
        }
    }
}
