package dev.engram.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.testing.Await;
import dev.engram.node.testing.DeadLetterTopic;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterSignature;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.AgentModelJob;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobPublisher;
import dev.engram.streams.TrainingProgress;
import dev.engram.streams.TrustedWorkerKeys;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real broker, real MiniLM, real (tiny) LoRA training. */
class TrainingWorkerTest {

    @TempDir
    static Path keys;

    private static String bootstrap;
    private static CandidateTrainer trainer;
    private static TrainingJobPublisher jobs;

    @BeforeAll
    static void start() {
        bootstrap = SharedKafka.bootstrapServers();
        trainer = new CandidateTrainer(bootstrap, Clock.systemUTC());
        jobs = TrainingJobPublisher.over(KafkaClientFactory.producer(bootstrap));
    }

    @AfterAll
    static void stop() {
        jobs.close();
        trainer.close();
    }

    private static WorkerConfig config(String group, String id) {
        return WorkerConfig.defaults(bootstrap)
                .withGroupId(group)
                .withWorkerId(id)
                .withAttempts(3, Duration.ofMillis(50))
                .withJobTimeout(Duration.ofMinutes(3))
                .withKeyDir(keys);
    }

    private static List<AdapterPublished> adaptersOf(String jobId) {
        return TrainingTopics.adapters(bootstrap).stream()
                .filter(a -> a.jobId().equals(jobId))
                .toList();
    }

    @Test
    void aJobBecomesOneCandidateWithMetricsAndProgress() {
        String tenant = TestIds.unique("wk");
        String group = TestIds.unique("workers");
        TrainingTopics.startGroupAtEnd(bootstrap, group);
        TrainingJob job = TestJobs.job(tenant + "-job1", tenant, 1, null);
        List<TrainingProgress> local = new CopyOnWriteArrayList<>();
        long began = System.nanoTime();
        WorkerKey key;
        try (TrainingWorker worker = TrainingWorker.start(config(group, TestIds.unique("w")), trainer, local::add)) {
            key = worker.key();
            jobs.publish(job);
            Await.until("the candidate of " + job.jobId(), Duration.ofMinutes(3), () -> worker.jobsPublished() == 1);
        }
        System.out.printf("job at test size: %.1f s (incl. encoder load)%n", (System.nanoTime() - began) / 1e9);

        List<AdapterPublished> published = adaptersOf(job.jobId());
        assertThat(published).hasSize(1);
        AdapterPublished a = published.get(0);
        assertThat(a.status()).isEqualTo(AdapterStatus.CANDIDATE);
        assertThat(a.signerKeyId()).as("signed by the worker's key").isEqualTo(key.id());
        assertThat(AdapterSignature.verify(a, TrustedWorkerKeys.of(key.publicKey()))
                        .trusted())
                .isTrue();
        assertThat(key.dir()).isEqualTo(keys);
        assertThat(a.tenant()).isEqualTo(tenant);
        assertThat(a.adapterName()).isEqualTo(job.adapterName());
        assertThat(a.version()).isEqualTo(1);
        assertThat(a.parentVersion()).isNull();
        assertThat(a.config()).isEqualTo(job.config());
        assertThat(a.files()).extracting(AdapterFile::name).contains(AdapterFile.PEFT_CONFIG, AdapterFile.PEFT_WEIGHTS);
        assertThat(a.metrics().heldOutQueries()).isEqualTo(2);
        assertThat(a.metrics().retentionQueries()).isEqualTo(1);
        assertThat(a.metrics().heldOutNdcg10()).isBetween(0.0, 1.0);
        // The parent is the frozen base: its score is what MiniLM gets on these judged queries.
        assertThat(a.metrics().parentHeldOutNdcg10()).isGreaterThan(0.5);
        assertThat(a.metrics().retentionNdcg10()).isNotNull();
        assertThat(a.metrics().extra()).containsKey("steps");
        assertThat(a.metrics().extra().get("steps")).isEqualTo(2.0); // 8 examples, batch 4, 1 epoch

        assertThat(local)
                .extracting(TrainingProgress::phase)
                .contains(
                        TrainingProgress.Phase.STARTING,
                        TrainingProgress.Phase.TRAINING,
                        TrainingProgress.Phase.EVALUATING,
                        TrainingProgress.Phase.DONE);
        Await.until(
                "progress events on " + Topics.TRAINING_PROGRESS,
                Duration.ofSeconds(30),
                () -> TrainingTopics.progress(bootstrap).stream()
                        .anyMatch(p -> p.jobId().equals(job.jobId()) && p.phase() == TrainingProgress.Phase.DONE));
        // The job's offset was committed with the adapter: the group is past it.
        assertThat(TrainingTopics.committed(bootstrap, group)).isGreaterThan(0);
    }

    @Test
    void aPolicyOnlyJobPublishesItsRankerPolicyAloneWithoutTraining() {
        String tenant = TestIds.unique("wk");
        String group = TestIds.unique("workers");
        TrainingTopics.startGroupAtEnd(bootstrap, group);
        TrainingJob lora = TestJobs.job(tenant + "-job1", tenant, 1, null);
        String policy = "{\"base\":\"rrf\"}";
        TrainingJob job = new TrainingJob(
                lora.schemaVersion(),
                lora.jobId(),
                lora.tenant(),
                lora.adapterName(),
                lora.targetVersion(),
                lora.baseAdapterVersion(),
                lora.baseModelId(),
                AdapterMethod.POLICY_ONLY,
                lora.config(),
                lora.examples(),
                lora.heldOut(),
                lora.retention(),
                lora.createdAt(),
                1,
                policy);
        List<TrainingProgress> local = new CopyOnWriteArrayList<>();
        try (TrainingWorker worker = TrainingWorker.start(config(group, TestIds.unique("w")), trainer, local::add)) {
            jobs.publish(job);
            Await.until("the version of " + job.jobId(), Duration.ofMinutes(3), () -> worker.jobsPublished() == 1);
        }
        List<AdapterPublished> published = adaptersOf(job.jobId());
        assertThat(published).hasSize(1);
        AdapterPublished a = published.get(0);
        assertThat(a.method()).isEqualTo(AdapterMethod.POLICY_ONLY);
        assertThat(a.files()).extracting(AdapterFile::name).containsExactly(AdapterFile.RANKER_POLICY);
        assertThat(new String(a.files().get(0).bytes(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(policy);
        assertThat(a.metrics().heldOutNdcg10())
                .as("no adapter: the version's tower is the base encoder, as its parent's is")
                .isEqualTo(a.metrics().parentHeldOutNdcg10());
        assertThat(a.metrics().extra()).doesNotContainKey("steps");
        assertThat(local).extracting(TrainingProgress::phase).doesNotContain(TrainingProgress.Phase.TRAINING);
    }

    @Test
    void anAdapterShipsOnlyWhenItBeatsTheBaseEncoder() {
        assertThat(CandidateTrainer.keepsAdapter(0.41, 0.40)).isTrue();
        assertThat(CandidateTrainer.keepsAdapter(0.40, 0.40))
                .as("a tie keeps the policy alone")
                .isFalse();
        assertThat(CandidateTrainer.keepsAdapter(0.39, 0.40)).isFalse();
    }

    @Test
    void aJobAbandonedByACrashedWorkerIsFinishedByAnotherAndPublishedOnce() throws Exception {
        String tenant = TestIds.unique("crash");
        String group = TestIds.unique("workers");
        TrainingTopics.startGroupAtEnd(bootstrap, group);
        long committedBefore = TrainingTopics.committed(bootstrap, group);
        TrainingJob job = TestJobs.job(tenant + "-job1", tenant, 1, null);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        JobRunner hangs = (j, progress) -> {
            started.countDown();
            never.await();
            throw new IllegalStateException("unreachable");
        };
        TrainingWorker first = TrainingWorker.start(config(group, TestIds.unique("w")), hangs, null);
        jobs.publish(job);
        assertThat(started.await(60, TimeUnit.SECONDS))
                .as("the first worker took the job")
                .isTrue();
        first.crash();
        assertThat(TrainingTopics.committed(bootstrap, group))
                .as("nothing committed by the crashed worker")
                .isEqualTo(committedBefore);

        try (TrainingWorker second = TrainingWorker.start(config(group, TestIds.unique("w")), trainer, null)) {
            Await.until(
                    "the second worker publishes " + job.jobId(),
                    Duration.ofMinutes(3),
                    () -> second.jobsPublished() == 1);
            // A later job on the same partition: once it is done, the first is certainly not run again.
            TrainingJob next = TestJobs.job(tenant + "-job2", tenant, 2, null);
            jobs.publish(next);
            Await.until(
                    "the second worker publishes " + next.jobId(),
                    Duration.ofMinutes(3),
                    () -> second.jobsPublished() == 2);
        }
        first.close();
        assertThat(adaptersOf(job.jobId())).hasSize(1).allMatch(a -> a.version() == 1);
        assertThat(adaptersOf(tenant + "-job2")).hasSize(1);
    }

    @Test
    void aPoisonJobGoesToTheDeadLetterTopicAfterItsAttemptsWithTheReason() {
        String tenant = TestIds.unique("poison");
        String group = TestIds.unique("workers");
        TrainingTopics.startGroupAtEnd(bootstrap, group);
        TrainingJob job = TestJobs.job(tenant + "-job1", tenant, 1, null);
        AtomicInteger runs = new AtomicInteger();
        JobRunner poison = (j, progress) -> {
            runs.incrementAndGet();
            throw new IllegalStateException("weights exploded on attempt " + j.attempt());
        };
        try (TrainingWorker worker = TrainingWorker.start(config(group, TestIds.unique("w")), poison, null);
                KafkaProducer<String, byte[]> raw = KafkaClientFactory.producer(bootstrap)) {
            jobs.publish(job);
            raw.send(new ProducerRecord<>(Topics.TRAINING_JOBS, tenant, "{not a job".getBytes()))
                    .get();
            Await.until("both dead-lettered", Duration.ofMinutes(1), () -> worker.jobsDeadLettered() == 2);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(runs.get()).isEqualTo(3);
        List<DeadLetter> letters = DeadLetterTopic.readAll(bootstrap).stream()
                .filter(d -> tenant.equals(d.key()))
                .toList();
        assertThat(letters).hasSize(2);
        assertThat(letters.get(0).sourceTopic()).isEqualTo(Topics.TRAINING_JOBS);
        assertThat(letters.get(0).reason())
                .contains(job.jobId())
                .contains("3 attempts")
                .contains("weights exploded on attempt 3");
        assertThat(letters.get(1).reason()).startsWith("undecodable training job");
        assertThat(new String(letters.get(1).original())).isEqualTo("{not a job");
        assertThat(adaptersOf(job.jobId())).isEmpty();
    }

    @Test
    void eachKindOfJobIsRunByTheGroupWhoseWorkersRunThatKindAndPassedOverByTheOther() throws Exception {
        String tenant = TestIds.unique("kinds");
        String retrieverGroup = TestIds.unique("workers");
        String agentGroup = TestIds.unique("agent-workers");
        TrainingTopics.startGroupAtEnd(bootstrap, retrieverGroup);
        TrainingTopics.startGroupAtEnd(bootstrap, agentGroup);
        AgentModelJob agentJob = new AgentModelJob(
                AgentModelJob.SCHEMA_VERSION,
                AdapterKind.AGENT_MODEL,
                tenant + "-agent1",
                tenant,
                tenant + "-agent-model",
                1,
                null,
                0.8,
                List.of(episode(tenant, "e1"), episode(tenant, "e2")),
                List.of(),
                Instant.parse("2026-01-01T00:00:00Z"),
                1);
        TrainingJob retrieverJob = TestJobs.job(tenant + "-job1", tenant, 1, null);
        List<String> retrieverRuns = new CopyOnWriteArrayList<>();
        List<String> agentRuns = new CopyOnWriteArrayList<>();
        JobRunner retriever = (j, progress) -> {
            retrieverRuns.add(j.jobId());
            throw new IllegalStateException("retriever runner stops here");
        };
        AgentModelRunner agent = (j, progress) -> {
            agentRuns.add(j.jobId());
            throw new IllegalStateException("agent-model runner stops here");
        };
        try (TrainingWorker retrieverWorker =
                        TrainingWorker.start(config(retrieverGroup, TestIds.unique("w")), retriever, null);
                TrainingWorker agentWorker = TrainingWorker.startAgentModel(
                        config(agentGroup, TestIds.unique("w")), agent, null, Clock.systemUTC())) {
            jobs.publish(agentJob);
            jobs.publish(retrieverJob);
            Await.until(
                    "each worker gives up the one job of its kind",
                    Duration.ofMinutes(1),
                    () -> retrieverWorker.jobsDeadLettered() == 1 && agentWorker.jobsDeadLettered() == 1);
            assertThat(retrieverRuns).as("attempts at the retriever job only").containsOnly(retrieverJob.jobId());
            assertThat(agentRuns).as("attempts at the agent-model job only").containsOnly(agentJob.jobId());
        }
        List<DeadLetter> letters = DeadLetterTopic.readAll(bootstrap).stream()
                .filter(d -> tenant.equals(d.key()))
                .toList();
        assertThat(letters)
                .extracting(DeadLetter::reason)
                .hasSize(2)
                .anySatisfy(r -> assertThat(r).contains(agentJob.jobId(), "agent-model runner stops here"))
                .anySatisfy(r -> assertThat(r).contains(retrieverJob.jobId(), "retriever runner stops here"));
    }

    private static FeedbackEvent episode(String tenant, String id) {
        return FeedbackEvent.of(
                id,
                tenant,
                "agent-1",
                Instant.parse("2026-01-01T00:00:00Z"),
                "restart the cache",
                "check status then restart the cache",
                "done",
                0.9,
                List.of());
    }
}
