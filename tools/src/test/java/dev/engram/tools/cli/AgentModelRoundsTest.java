package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.node.tuning.AgentModelRoundsConfig;
import dev.engram.node.tuning.TuningSchedulerConfig;
import dev.engram.runtime.AdapterInfo;
import dev.engram.runtime.AdapterVersionInfo;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.runtime.TrainingJobInfo;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.PublishedAdapters;
import dev.engram.streams.RetrievedCase;
import dev.engram.streams.Topics;
import dev.engram.streams.TrustedWorkerKeys;
import dev.engram.worker.AgentModelSettings;
import dev.engram.worker.AgentModelTrainer;
import dev.engram.worker.TrainingWorker;
import dev.engram.worker.WorkerConfig;
import dev.engram.worker.WorkerKey;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agent-model rounds through the real broker, round after round: a node with agent-model rounds on
 * turns a tenant's successful episodes into an agent-model job on {@code engram.training-jobs}; a
 * worker with a (tiny, random) Llama folder trains, gates, signs and publishes the candidate; the
 * node lists the version with its kind and plan-loss verdict; the next round starts from it.
 */
class AgentModelRoundsTest {

    private static final Duration BOUND = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void successfulEpisodesBecomeAJobAWorkerPublishesAndTheNextRoundContinuesFromIt() throws Exception {
        String tenant = TestIds.unique("agentjob");
        String name = AgentModelRoundsConfig.adapterName(tenant);
        String bootstrap = SharedKafka.bootstrapServers();
        WorkerKey key = WorkerKey.loadOrCreate(dir.resolve("worker-key"));
        AgentModelSettings settings = AgentModelSettings.defaults(AgentModelCommandTest.model(dir))
                .withTraining(30, 2e-2, 4, 8, List.of("all-linear"))
                .withSplit(8, 0.25);
        WorkerConfig workerConfig = WorkerConfig.defaults(bootstrap)
                .withGroupId(TestIds.unique(WorkerConfig.AGENT_MODEL_GROUP))
                .withWorkerId(TestIds.unique("agent-worker"))
                .withKeyDir(key.dir());
        try (EngramNode node = EngramNode.start(NodeConfig.builder(dir.resolve("node"))
                        .bootstrapServers(bootstrap)
                        .httpPort(0)
                        .groupId(TestIds.unique("agent-rounds"))
                        .tuning(TuningSchedulerConfig.disabled())
                        .agentModelRounds(AgentModelRoundsConfig.every(20).withMinReward(0.5))
                        .trustedWorkers(TrustedWorkerKeys.of(key.publicKey()))
                        .build());
                AgentModelTrainer trainer = new AgentModelTrainer(
                        settings, workerConfig.kafka(), Clock.systemUTC(), TrustedWorkerKeys.of(key.publicKey()));
                TrainingWorker worker =
                        TrainingWorker.startAgentModel(workerConfig, trainer, p -> {}, Clock.systemUTC());
                EngramClient operator = EngramClient.builder()
                        .nodeUrl(URI.create(node.httpUrl()))
                        .apiKey(node.localAdminKey().orElseThrow())
                        .agentId("operator")
                        .build();
                KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {

            // Round 1: 36 episodes, 24 of them successful (reward 0.9) with a plan, each judging the one before useful.
            send(producer, tenant, "a", "check status then %s the %s then report done");

            Await.until("the node lists " + name + " v1", BOUND, () -> version(operator, name, 1) != null);
            AdapterInfo info = operator.adapters().get(name);
            assertThat(info.kind()).isEqualTo(AdapterKind.AGENT_MODEL);
            assertThat(info.tenant()).isEqualTo(tenant);
            AdapterVersionInfo v1 = version(operator, name, 1);
            assertThat(v1.status()).as(v1.reason()).isEqualTo(AdapterStatus.PROMOTED);
            assertThat(v1.planLoss().promote()).isTrue();
            assertThat(v1.planLoss().candidateNll()).isLessThan(v1.planLoss().servingNll());
            AdapterPublished published1 =
                    PublishedAdapters.find(bootstrap, name, 1, BOUND).orElseThrow();
            assertThat(published1.parentVersion())
                    .as("gated against the base model")
                    .isNull();
            assertThat(published1.signerKeyId()).isEqualTo(key.id());

            // The ops tracker shows the job with its kind, done.
            Await.until(
                    "the tracker shows round 1 done",
                    BOUND,
                    () -> operator.operations().trainingJobs(tenant, null, 10).stream()
                            .anyMatch(j -> j.state().equals("DONE")));
            List<TrainingJobInfo> jobs = operator.operations().trainingJobs(tenant, null, 10);
            assertThat(jobs).singleElement().satisfies(j -> {
                assertThat(j.kind()).isEqualTo(AdapterKind.AGENT_MODEL);
                assertThat(j.adapterName()).isEqualTo(name);
                assertThat(j.targetVersion()).isEqualTo(1L);
                assertThat(j.baseVersion()).isNull();
                assertThat(j.examples()).isGreaterThanOrEqualTo(20);
            });

            // Round 2: 24 more successful episodes; the job starts from v1, which serves, and the worker trains on from
            // it.
            send(producer, tenant, "b", "report status then %s the %s then check done");

            Await.until("the node lists " + name + " v2", BOUND, () -> version(operator, name, 2) != null);
            AdapterVersionInfo v2 = version(operator, name, 2);
            assertThat(v2.planLoss()).as("the gate's verdict travels with it").isNotNull();
            assertThat(v2.reason()).contains("plan-loss gate");
            AdapterPublished published2 =
                    PublishedAdapters.find(bootstrap, name, 2, BOUND).orElseThrow();
            assertThat(published2.parentVersion())
                    .as("gated against the serving v1")
                    .isEqualTo(1L);
            assertThat(published2.config().continuation()).isEqualTo(LoraTrainingConfig.Continuation.CONTINUE);
            TrainingJobInfo round2 = operator.operations().trainingJobs(tenant, null, 10).stream()
                    .filter(j -> Long.valueOf(2).equals(j.targetVersion()))
                    .findFirst()
                    .orElseThrow();
            assertThat(round2.baseVersion()).isEqualTo(1L);
            assertThat(round2.examples()).as("both rounds' episodes").isGreaterThanOrEqualTo(44);
            // The node reads the shared broker's feedback topic from its start, so other tests' tenants get
            // rounds too and this worker runs them: count this tenant's versions, not the worker's jobs.
            assertThat(operator.adapters().get(name).versions())
                    .extracting(AdapterVersionInfo::version)
                    .containsExactly(1L, 2L);
            assertThat(worker.jobsPublished()).isGreaterThanOrEqualTo(2);
            assertThat(worker.jobsDeadLettered()).isZero();
        }
    }

    /** 36 episodes of {@code tenant}: every third below the reward, each judging the one before it useful. */
    private static void send(KafkaProducer<String, byte[]> producer, String tenant, String round, String plan)
            throws Exception {
        int i = 0;
        for (String verb : AgentModelCommandTest.VERBS) {
            for (String noun : AgentModelCommandTest.NOUNS) {
                FeedbackEvent e = FeedbackEvent.of(
                        round + "-" + i,
                        tenant,
                        "agent-1",
                        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i),
                        "please " + verb + " the " + noun,
                        String.format(plan, verb, noun),
                        "done",
                        i % 3 == 2 ? 0.2 : 0.9,
                        i == 0 ? List.of() : List.of(new RetrievedCase(round + "-" + (i - 1), 1, true)));
                producer.send(new ProducerRecord<>(Topics.FEEDBACK, tenant, EventCodec.encode(e)));
                i++;
            }
        }
        producer.flush();
    }

    private static AdapterVersionInfo version(EngramClient operator, String name, long version) {
        try {
            return operator.adapters().get(name).version(version).orElse(null);
        } catch (EngramApiException e) {
            return null; // 404 until the node has read it
        }
    }
}
