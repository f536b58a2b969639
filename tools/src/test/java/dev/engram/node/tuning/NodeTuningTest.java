package dev.engram.node.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.registry.AdapterVersionView;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.RetrievedCase;
import dev.engram.streams.Topics;
import dev.engram.tools.LocalEngram;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole training side through a real node: FeedbackEvents on {@code engram.feedback} → ingest
 * (Lucene) → the written-episodes hook → the tenant's scheduler → a job → the node's own worker →
 * a CANDIDATE on {@code engram.adapters} that the scheduler sees as its round's outcome.
 */
class NodeTuningTest {

    @TempDir
    Path dir;

    @Test
    void feedbackOnTheStreamEndsAsACandidateFromTheNodesOwnWorker() throws Exception {
        // The node's own embedded broker, not the shared one: a tuning node reads the whole feedback
        // topic and would schedule (and its worker train) rounds for every other test's tenants.
        TuningSchedulerConfig tuning = TuningSchedulerConfig.builder()
                .minNewJudged(12)
                .lora(new LoraTrainingConfig(4, 8, 0.0, List.of("query", "value"), false, false, 1, 4, 1e-3, 7, 64))
                .tickInterval(Duration.ofSeconds(1))
                .build();
        NodeConfig config = NodeConfig.builder(dir).httpPort(0).tuning(tuning).build();
        JudgedFeedback feedback = new JudgedFeedback(TestIds.unique("node"));
        try (LocalEngram local = LocalEngram.start(config);
                KafkaProducer<String, byte[]> producer =
                        KafkaClientFactory.producer(local.node().bootstrapServers())) {
            EngramNode node = local.node();
            String bootstrap = node.bootstrapServers();
            assertThat(node.tuning()).isPresent();
            assertThat(local.worker())
                    .as("with the embedded broker a worker runs beside the node")
                    .isPresent();
            for (Episode e : feedback.seeds()) {
                send(producer, e);
            }
            for (Episode e : feedback.judged(12)) {
                send(producer, e);
            }
            producer.flush();

            Await.until(
                    "a CANDIDATE for " + feedback.tenant,
                    Duration.ofMinutes(3),
                    () -> LoopTopics.adapters(bootstrap).stream()
                            .anyMatch(a -> a.tenant().equals(feedback.tenant)));
            AdapterPublished candidate = LoopTopics.adapters(bootstrap).stream()
                    .filter(a -> a.tenant().equals(feedback.tenant))
                    .findFirst()
                    .orElseThrow();
            assertThat(candidate.status()).isEqualTo(AdapterStatus.CANDIDATE);
            assertThat(candidate.version()).isEqualTo(1);
            assertThat(candidate.metrics().heldOutQueries()).isPositive();
            // Signed by the worker beside the node, whose key the node trusts without being told.
            String workerKey = local.worker().orElseThrow().key().id();
            assertThat(candidate.signerKeyId()).isEqualTo(workerKey);
            assertThat(node.adapters().trustedWorkers().ids()).containsExactly(workerKey);
            assertThat(dir.resolve("worker").resolve("worker-key.pub")).isRegularFile();
            Await.until(
                    "the node's gate decides v1",
                    Duration.ofSeconds(30),
                    () -> node.adapters().adapter(candidate.adapterName()) != null);
            AdapterVersionView decided =
                    node.adapters().adapter(candidate.adapterName()).versions().get(0);
            assertThat(decided.verified()).as(decided.reason()).isTrue();
            assertThat(decided.reason())
                    .as("admitted: the gate decided it")
                    .matches("(promoted|rejected) by the gate.*");

            TuningLoop loop = node.tuning().get();
            Await.until(
                    "the round's outcome at the scheduler",
                    Duration.ofSeconds(30),
                    () -> loop.status(feedback.tenant)
                                    .orTimeout(10, TimeUnit.SECONDS)
                                    .join()
                                    .roundsSucceeded()
                            == 1);
            TuningScheduler.Status status = loop.status(feedback.tenant).get(10, TimeUnit.SECONDS);
            assertThat(status.remembered())
                    .as("every judged episode the stream delivered")
                    .isEqualTo(12);
            assertThat(status.inFlightJobId()).isNull();
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, Episode e) throws Exception {
        List<RetrievedCase> retrieved = e.judgements().stream()
                .map((Judgement j) -> new RetrievedCase(j.caseId(), j.rank(), j.useful()))
                .toList();
        FeedbackEvent event = new FeedbackEvent(
                FeedbackEvent.SCHEMA_VERSION,
                e.eventId(),
                e.tenant(),
                e.agentId(),
                e.timestamp(),
                e.task(),
                e.plan(),
                e.outcome(),
                e.reward(),
                retrieved);
        producer.send(new ProducerRecord<>(Topics.FEEDBACK, e.tenant(), EventCodec.encode(event)))
                .get();
    }
}
