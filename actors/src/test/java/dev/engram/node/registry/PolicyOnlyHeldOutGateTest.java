package dev.engram.node.registry;

import static dev.engram.node.registry.NodeAdapterApi.await;
import static dev.engram.node.registry.NodeAdapterApi.version;
import static dev.engram.node.registry.TestAdapters.BETTER;
import static dev.engram.node.registry.TestAdapters.WORSE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.ranking.RankerPolicy;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.RetrievedCase;
import dev.engram.streams.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's gate measures a policy-only version itself, over the base encoder, on the tasks the
 * node held out of its own tuning round. Each topic has a distractor that shares the tasks' words and
 * an answer that shares one; judged feedback on recurring tasks finds the answer useful and the
 * distractor not, so judged-case reuse carries those verdicts to the held-out tasks.
 */
class PolicyOnlyHeldOutGateTest {

    private static final String TENANT = "tenant-policy-gate-h";
    private static final String NAME = "policy-gate-h";
    private static final int TOPICS = 8;
    private static final int TASKS_PER_TOPIC = 3;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    private static String words(int topic) {
        return "alpha" + topic + " bravo" + topic + " charlie" + topic + " delta" + topic;
    }

    private static FeedbackEvent event(String id, String task, List<RetrievedCase> retrieved) {
        return FeedbackEvent.of(id, TENANT, "agent", T0, task, "", "", 0.9, retrieved);
    }

    @Test
    void theGateScoresPolicyOnlyCandidatesOnItsOwnHeldOutTasks() throws Exception {
        int judged = TOPICS * TASKS_PER_TOPIC;
        try (TextEncoder encoder = TextEncoder.load();
                KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(SharedKafka.bootstrapServers());
                EngramNode n = EngramNode.start(NodeConfig.builder(tmp.resolve("node"))
                        .bootstrapServers(SharedKafka.bootstrapServers())
                        .httpPort(0)
                        .groupId("policy-gate-h")
                        .embedder(encoder)
                        .tuning(TuningSchedulerConfig.builder()
                                .method(AdapterMethod.POLICY_ONLY)
                                .minNewJudged(judged)
                                .minNewForInterval(10_000)
                                .heldOutFraction(0.25)
                                .build())
                        .trustedWorkers(TestAdapters.TRUSTED)
                        .build())) {
            // Same key, same partition: the cases are ingested before the feedback that judges them.
            for (int t = 0; t < TOPICS; t++) {
                producer.send(new ProducerRecord<>(
                        Topics.FEEDBACK,
                        TENANT,
                        EventCodec.encode(event("distractor-" + t, words(t) + " distractor", List.of()))));
                producer.send(new ProducerRecord<>(
                        Topics.FEEDBACK,
                        TENANT,
                        EventCodec.encode(event(
                                "answer-" + t, "alpha" + t + " zulu" + t + " yankee" + t + " solution", List.of()))));
            }
            for (int t = 0; t < TOPICS; t++) {
                for (int i = 0; i < TASKS_PER_TOPIC; i++) {
                    producer.send(new ProducerRecord<>(
                            Topics.FEEDBACK,
                            TENANT,
                            EventCodec.encode(event(
                                    "judged-" + t + "-" + i,
                                    words(t) + " variant" + i,
                                    List.of(
                                            new RetrievedCase("distractor-" + t, 1, false),
                                            new RetrievedCase("answer-" + t, 2, true))))));
                }
            }
            producer.flush();
            await(
                    () -> n.tuning().orElseThrow().status(TENANT).join().roundsStarted() >= 1,
                    "the judged feedback starts a round, which holds tasks out");

            RankerPolicy reuse = RankerPolicy.untuned().withReuse(1.0, 5, 0.75);
            AdapterPublisher publisher = AdapterPublisher.over(producer);
            // Published figures say worse: only the gate's own measurement can promote it.
            publisher.publish(TestAdapters.policyOnly(NAME, TENANT, 1, WORSE, reuse.toJson(), encoder));
            await(() -> version(n, NAME, 1) != null, "v1 listed");
            JsonNode v1 = version(n, NAME, 1);
            assertThat(v1.get("status").asText()).as(v1.toString()).isEqualTo("PROMOTED");
            assertThat(v1.get("reason").asText())
                    .startsWith("promoted by the gate against base on the node's held-out tasks")
                    .contains("n " + judged / 4 + ", mean gain +")
                    .contains("interval [");

            // Published figures say better: the gate's own measurement against v1 rejects it.
            publisher.publish(TestAdapters.policyOnly(
                    NAME, TENANT, 2, BETTER, RankerPolicy.untuned().toJson(), encoder));
            await(() -> version(n, NAME, 2) != null, "v2 listed");
            JsonNode v2 = version(n, NAME, 2);
            assertThat(v2.get("status").asText()).as(v2.toString()).isEqualTo("REJECTED");
            assertThat(v2.get("reason").asText())
                    .startsWith("rejected by the gate against " + NAME + "/v1 on the node's held-out tasks")
                    .contains("n " + judged / 4 + ", mean gain -");
            assertThat(NodeAdapterApi.recallVersion(n, TENANT)).isEqualTo(NAME + "/v1");
        }
    }
}
