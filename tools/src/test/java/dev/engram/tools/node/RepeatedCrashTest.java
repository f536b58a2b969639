package dev.engram.tools.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.broker.EmbeddedKafka;
import dev.engram.memory.CaseStore;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.FeedbackStream;
import dev.engram.node.testing.GroupOffsets;
import dev.engram.node.testing.Produced;
import dev.engram.node.testing.StreamAssertions;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.streams.TopicAdmin;
import dev.engram.streams.Topics;
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
 * data directory, and the broker restarted once under a running node, ends with exactly the cases a
 * crash-free reference holds: nothing lost, nothing doubled, every judgement counted once, every
 * invalid record dead-lettered.
 */
class RepeatedCrashTest {

    private static final int KILLS = 5;
    /** The kill round during which the broker restarts under the running node. */
    private static final int BROKER_RESTART_ROUND = 3;

    @Test
    void fiveKillsAndABrokerRestartDuringTwentyThousandEventsLoseAndDoubleNothing(@TempDir Path dir) throws Exception {
        // A broker of its own: this test restarts it.
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.all());
            killsAndARestart(kafka, dir);
        }
    }

    private static void killsAndARestart(EmbeddedKafka kafka, Path dir) throws Exception {
        String bootstrap = kafka.bootstrapServers();
        String group = TestIds.unique("crash5");
        Path data = dir.resolve("node");
        FeedbackStream stream = FeedbackStream.generate(TestIds.unique("crash5"), 5, 20_000, 1_000, 200, 11);
        Produced produced = Produced.send(bootstrap, stream.items());
        long total = stream.items().size();

        List<Long> committedAtKills = new ArrayList<>();
        long committedAtBrokerRestart = -1;
        try (GroupOffsets offsets = new GroupOffsets(bootstrap, group)) {
            for (int kill = 1; kill <= KILLS; kill++) {
                long target = total * kill / (KILLS + 1);
                // Small batches, each its own index commit (not one a second): each kill and the broker
                // restart land between two commits, and the commits go on after the restart.
                ChildNode child =
                        ChildNode.serve(bootstrap, data, group, "--max-batch", "200", "--commit-max-events", "200");
                try {
                    child.awaitReady(Duration.ofMinutes(2));
                    if (kill == BROKER_RESTART_ROUND) {
                        long halfway = (total * (kill - 1) / (KILLS + 1) + target) / 2;
                        Await.until(
                                "the child node to commit " + halfway + " records before the broker restarts",
                                Duration.ofMinutes(3),
                                () -> offsets.committedSince(produced.firstOffsets()) >= halfway,
                                () -> "committed " + offsets.committed() + "; child log:\n" + child.logTail());
                        committedAtBrokerRestart = offsets.committedSince(produced.firstOffsets());
                        kafka.restart();
                    }
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
            assertThat(committedAtKills.get(BROKER_RESTART_ROUND - 1))
                    .as("the node went on committing after the broker restarted under it")
                    .isGreaterThan(committedAtBrokerRestart);
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
