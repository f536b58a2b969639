package dev.engram.node.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.memory.CaseStore;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.Episode;
import dev.engram.memory.LuceneCaseStore;
import dev.engram.node.testing.Await;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobPublisher;
import dev.engram.worker.CandidateTrainer;
import dev.engram.worker.TrainingWorker;
import dev.engram.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training side of the loop on the real broker: judged feedback in a real Lucene store reaches
 * the scheduler, its job goes onto {@code engram.training-jobs}, the in-node worker trains a real
 * (tiny) LoRA on MiniLM, evaluates it against the base on the held-out queries and publishes a
 * CANDIDATE with the metrics, which the scheduler sees on {@code engram.adapters}. (In the tools
 * module's tests because it runs a worker beside the loop, as {@code LocalEngram} does.)
 */
class TuningLoopTest {

    private static final LoraTrainingConfig TINY =
            new LoraTrainingConfig(4, 8, 0.0, List.of("query", "value"), false, false, 1, 4, 1e-3, 7, 64);

    private static String bootstrap;
    private static ActorSystem<SpawnProtocol.Command> system;
    private static ExecutorService blocking;

    @TempDir
    Path dir;

    private CaseStore store;
    private TuningLoop loop;
    private CandidateTrainer trainer;
    private TrainingWorker worker;

    @BeforeAll
    static void start() {
        bootstrap = SharedKafka.bootstrapServers();
        system = ActorSystem.create(SpawnProtocol.create(), "tuning-loop-test");
        blocking = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void stop() throws Exception {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
        blocking.shutdownNow();
    }

    @AfterEach
    void close() throws Exception {
        if (worker != null) {
            worker.close();
            trainer.close();
        }
        if (loop != null) {
            loop.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private TuningLoop startLoop(TuningSchedulerConfig.Builder config) {
        String group = TestIds.unique("workers");
        LoopTopics.startGroupAtEnd(bootstrap, group);
        return startLoop(config.inNodeWorker(true).workerGroupId(group).build());
    }

    private TuningLoop startLoop(TuningSchedulerConfig config) {
        if (store == null) {
            store = LuceneCaseStore.open(dir.resolve("cases"), CaseStoreConfig.defaults());
        }
        String nodeId = TestIds.unique("node");
        loop = TuningLoop.start(
                config,
                bootstrap,
                nodeId,
                new JudgedRecallLog(dir),
                system,
                store,
                Clock.systemUTC(),
                blocking,
                null,
                null);
        if (config.runsWorker(false)) {
            trainer = new CandidateTrainer(bootstrap, Clock.systemUTC());
            worker = TrainingWorker.start(
                    WorkerConfig.defaults(bootstrap)
                            .withGroupId(config.workerGroupId())
                            .withWorkerId(nodeId)
                            .withKeyDir(dir.resolve("worker-key")),
                    trainer,
                    null,
                    Clock.systemUTC());
        }
        return loop;
    }

    /** What the ingest pipeline does: write the episodes to the store, then tell the schedulers. */
    private void ingest(List<Episode> episodes) {
        episodes.forEach(e -> store.ingest(e, null));
        store.commit();
        loop.feedbackListener().accept(episodes);
    }

    private TuningScheduler.Status status(String tenant) {
        return loop.status(tenant).orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static List<AdapterPublished> adaptersOfTenant(String tenant) {
        return LoopTopics.adapters(bootstrap).stream()
                .filter(a -> a.tenant().equals(tenant))
                .toList();
    }

    @Test
    void judgedFeedbackBecomesOneCandidateWithMetricsAndAReRunPublishesTheSameVersion() throws Exception {
        startLoop(TuningSchedulerConfig.builder().minNewJudged(16).lora(TINY).tickInterval(Duration.ofSeconds(1)));
        JudgedFeedback feedback = new JudgedFeedback(TestIds.unique("loop"));
        ingest(feedback.seeds());
        ingest(feedback.judged(15));
        assertThat(status(feedback.tenant).roundsStarted()).isZero();

        long began = System.nanoTime();
        ingest(feedback.judged(1));
        Await.until(
                "a CANDIDATE for " + feedback.tenant,
                Duration.ofMinutes(3),
                () -> !adaptersOfTenant(feedback.tenant).isEmpty());
        System.out.printf(
                "round at test size (16 judged, r 4, 1 epoch, job sent -> candidate published): %.1f s%n",
                (System.nanoTime() - began) / 1e9);

        AdapterPublished candidate = adaptersOfTenant(feedback.tenant).get(0);
        assertThat(candidate.status()).isEqualTo(AdapterStatus.CANDIDATE);
        assertThat(candidate.adapterName()).isEqualTo(feedback.tenant + "-retriever");
        assertThat(candidate.version()).isEqualTo(1);
        assertThat(candidate.parentVersion()).isNull();
        assertThat(candidate.config()).isEqualTo(TINY);
        assertThat(candidate.files())
                .extracting(AdapterFile::name)
                .contains(AdapterFile.PEFT_CONFIG, AdapterFile.PEFT_WEIGHTS);
        assertThat(candidate.metrics().heldOutQueries()).isEqualTo(3); // 20 % of 16 judged tasks
        assertThat(candidate.metrics().retentionQueries()).isZero();
        // The base MiniLM already ranks each held-out query's own case above the other topic's.
        assertThat(candidate.metrics().parentHeldOutNdcg10()).isGreaterThan(0.9);
        assertThat(candidate.metrics().heldOutNdcg10()).isBetween(0.0, 1.0);
        assertThat(candidate.metrics().extra()).containsKey("steps");

        Await.until(
                "the scheduler sees the outcome",
                Duration.ofSeconds(30),
                () -> status(feedback.tenant).roundsSucceeded() == 1);
        TuningScheduler.Status status = status(feedback.tenant);
        assertThat(status.inFlightJobId()).isNull();
        assertThat(status.lastTargetVersion()).isEqualTo(1);
        assertThat(status.remembered()).isEqualTo(16);
        assertThat(new JudgedRecallLog(dir).freshCount(feedback.tenant))
                .as("the round's feedback is marked used")
                .isZero();

        // A re-run of the same job (a redelivery, a replay) publishes the same key: still one version.
        TrainingJob job = sentJob(candidate.jobId());
        try (TrainingJobPublisher jobs = TrainingJobPublisher.over(KafkaClientFactory.producer(bootstrap))) {
            jobs.publish(job.withAttempt(2));
        }
        Await.until(
                "the re-run's record",
                Duration.ofMinutes(3),
                () -> adaptersOfTenant(feedback.tenant).size() == 2);
        List<AdapterPublished> records = adaptersOfTenant(feedback.tenant);
        assertThat(records).extracting(AdapterPublished::key).containsOnly(candidate.key());
        assertThat(records).extracting(AdapterPublished::jobId).containsOnly(candidate.jobId());
    }

    @Test
    void aPoisonJobEndsInTheDeadLetterTopicAndTheSchedulerCountsTheRoundFailed() throws Exception {
        LoraTrainingConfig poison =
                new LoraTrainingConfig(4, 8, 0.0, List.of("no_such_module"), false, false, 1, 4, 1e-3, 7, 64);
        startLoop(TuningSchedulerConfig.builder().minNewJudged(8).lora(poison).tickInterval(Duration.ofSeconds(1)));
        JudgedFeedback feedback = new JudgedFeedback(TestIds.unique("poison"));
        ingest(feedback.seeds());
        ingest(feedback.judged(8));

        Await.until(
                "the failed round",
                Duration.ofMinutes(2),
                () -> status(feedback.tenant).roundsFailed() == 1,
                () -> String.valueOf(status(feedback.tenant)));
        TuningScheduler.Status status = status(feedback.tenant);
        assertThat(status.lastNote()).contains("dead-lettered").contains("no_such_module");
        // Its feedback is kept for the next round, which starts at once under a new version (the breaker
        // needs 3 finished jobs before it judges).
        Await.until(
                "the next round",
                Duration.ofSeconds(30),
                () -> status(feedback.tenant).roundsStarted() == 2);
        assertThat(status(feedback.tenant).lastTargetVersion()).isEqualTo(2);
        List<DeadLetter> letters = LoopTopics.deadLetters(bootstrap).stream()
                .filter(d -> feedback.tenant.equals(d.key()))
                .toList();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).sourceTopic()).isEqualTo(Topics.TRAINING_JOBS);
        assertThat(letters.get(0).reason()).contains("3 attempts").contains("no_such_module");
        assertThat(adaptersOfTenant(feedback.tenant)).isEmpty();
    }

    @Test
    void aRestartedSchedulerNeverReusesTheVersionOfAJobStillInTheQueue() {
        TuningSchedulerConfig noWorker = TuningSchedulerConfig.builder()
                .minNewJudged(8)
                .lora(TINY)
                .inNodeWorker(false)
                .build();
        startLoop(noWorker);
        JudgedFeedback feedback = new JudgedFeedback(TestIds.unique("restart"));
        ingest(feedback.seeds());
        ingest(feedback.judged(8));
        Await.until(
                "the first job on the topic",
                Duration.ofSeconds(30),
                () -> jobsOf(feedback.tenant).size() == 1);
        loop.close(); // the node stops; no worker has run the job, so no adapter names version 1

        // The restarted scheduler reads the 8 judged episodes back as fresh; it waits for 16 so that its
        // round cannot start (on its first tick, before the next 8 arrive) from the 8 alone.
        startLoop(TuningSchedulerConfig.builder()
                .minNewJudged(16)
                .lora(TINY)
                .inNodeWorker(false)
                .build());
        ingest(feedback.judged(8));
        Await.until(
                "the second job on the topic",
                Duration.ofSeconds(30),
                () -> jobsOf(feedback.tenant).size() == 2);
        assertThat(jobsOf(feedback.tenant))
                .extracting(TrainingJob::targetVersion)
                .containsExactly(1L, 2L);
        // The first round never ended, so its 8 judged episodes, read back from the node's judged-feedback
        // log, are fresh again: the second round learns from all 16 (20 % of 16 tasks held out).
        TrainingJob second = jobsOf(feedback.tenant).get(1);
        assertThat(second.heldOut()).hasSize(3);
        assertThat(second.examples()).hasSize(13);
    }

    private static List<TrainingJob> jobsOf(String tenant) {
        return LoopTopics.jobs(bootstrap).stream()
                .filter(j -> j.tenant().equals(tenant))
                .toList();
    }

    /** The job as the scheduler sent it. */
    private static TrainingJob sentJob(String jobId) {
        List<TrainingJob> jobs = LoopTopics.jobs(bootstrap).stream()
                .filter(j -> j.jobId().equals(jobId))
                .toList();
        assertThat(jobs).hasSize(1);
        return jobs.get(0);
    }
}
