package dev.engram.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStore;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Episode;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.internal.PekkoSettings;
import dev.engram.node.recall.Recaller;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition's entity over a real store: it answers only while its node owns the partition, and
 * what it sends between nodes survives the cluster's JSON serialization whole.
 */
class PartitionEntityTest {

    private static final String TENANT = "acme";
    private static final String NODE = "pekko://engram@127.0.0.1:25520";

    @TempDir
    static Path dir;

    private static ActorTestKit testKit;
    private static CaseStore store;
    private static Recaller recaller;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create(
                NodeCluster.SYSTEM_NAME,
                NodeCluster.settings(PekkoSettings.node(2), ClusterConfig.on("127.0.0.1", 0, List.of())));
        store = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults());
        Instant t = Instant.parse("2026-03-01T00:00:00Z");
        for (int i = 0; i < 3; i++) {
            store.ingest(
                    new Episode(
                            "case-" + i,
                            TENANT,
                            "agent",
                            t.plusSeconds(i),
                            "flutter of a heated wing " + i,
                            "stiffen the spar",
                            "it held",
                            i == 0 ? 0.1 : 0.9,
                            List.of()),
                    null);
        }
        store.commit();
        recaller = new Recaller(store, null, Executors.newFixedThreadPool(2), new NodeMetrics());
    }

    @AfterAll
    static void stop() throws Exception {
        testKit.shutdownTestKit();
        store.close();
    }

    @Test
    void answersWhileItsNodeOwnsThePartitionAndTheAnswerSurvivesSerialization() throws Exception {
        ActorRef<PartitionEntity.Command> entity =
                testKit.spawn(PartitionEntity.create(2, recaller, partition -> partition == 2, NODE));
        TestProbe<PartitionEntity.RecallReply> probe = testKit.createTestProbe();
        entity.tell(new PartitionEntity.Recall(TENANT, "heated wing flutter", 10, null, probe.getRef()));
        PartitionEntity.RecallReply reply = probe.receiveMessage();

        assertThat(reply.outcome()).isEqualTo(PartitionEntity.Outcome.ANSWERED);
        assertThat(reply.node()).isEqualTo(NODE);
        assertThat(reply.answer().result().ranked()).hasSize(3);
        assertThat(reply.answer().result().negatives())
                .extracting(s -> s.match().caseId())
                .containsExactly("case-0");
        assertThat(roundTrip(reply))
                .as("the reply after the cluster's serializer")
                .isEqualTo(reply);

        PartitionEntity.Recall ask = new PartitionEntity.Recall(TENANT, "wing", 5, null, probe.getRef());
        assertThat(roundTrip(ask)).isEqualTo(ask);
    }

    @Test
    void refusesWhenItsNodeDoesNotOwnThePartitionAndReportsBadRequests() {
        ActorRef<PartitionEntity.Command> entity =
                testKit.spawn(PartitionEntity.create(1, recaller, partition -> partition == 2, NODE));
        TestProbe<PartitionEntity.RecallReply> probe = testKit.createTestProbe();
        entity.tell(new PartitionEntity.Recall(TENANT, "heated wing flutter", 10, null, probe.getRef()));
        PartitionEntity.RecallReply refused = probe.receiveMessage();
        assertThat(refused.outcome()).isEqualTo(PartitionEntity.Outcome.NOT_OWNER);
        assertThat(refused.answer()).isNull();
        assertThat(refused.message()).contains("partition 1");
        assertThat(refused.retryAfterMillis()).isPositive();

        ActorRef<PartitionEntity.Command> owner =
                testKit.spawn(PartitionEntity.create(2, recaller, partition -> partition == 2, NODE));
        owner.tell(new PartitionEntity.Recall(TENANT, "heated wing flutter", 0, null, probe.getRef()));
        PartitionEntity.RecallReply bad = probe.receiveMessage();
        assertThat(bad.outcome()).isEqualTo(PartitionEntity.Outcome.BAD_REQUEST);
        assertThat(bad.message()).contains("k");
    }

    /** Through the serializer the cluster uses between nodes (bound to {@link ClusterMessage}), asserting equality. */
    private static Object roundTrip(Object message) {
        Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
        assertThat(serialization.findSerializerFor(message).getClass().getSimpleName())
                .isEqualTo("JacksonJsonSerializer");
        return testKit.serializationTestKit().verifySerialization(message, true);
    }
}
