package dev.engram.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.engram.node.testing.Await;
import dev.engram.node.testing.SharedKafka;
import dev.engram.node.testing.TestIds;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobPublisher;
import dev.engram.streams.TrainingProgress;
import dev.engram.streams.TrainingProgress.Phase;
import dev.engram.tools.testing.ChildWorker;
import dev.engram.worker.CandidateTrainer;
import dev.engram.worker.TestJobs;
import dev.engram.worker.TrainingTopics;
import dev.engram.worker.TrainingWorker;
import dev.engram.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code engram worker} process killed with SIGKILL in the middle of training a job: no
 * shutdown hook, no transaction abort, no leave-group. Another worker of the same consumer group
 * takes the job over once the group notices the death, trains it from the start, and the job yields
 * exactly one adapter version.
 *
 * <p>The survivor runs in this JVM: only the victim has to be a real process, and in-process the
 * test can tell who published (neither {@link AdapterPublished} nor {@link TrainingProgress} names
 * a worker) from the survivor's own count and progress listener.
 */
class KilledWorkerTest {

    /**
     * 120 optimizer steps, 10-20 s on two shared cores: the victim's first TRAINING event comes 2 s
     * after STARTING (the worker's progress interval), so the kill lands well inside training.
     */
    private static final int EPOCHS = 60;

    @Test
    void aWorkerKilledMidTrainingIsReplacedAndTheJobIsPublishedOnce(@TempDir Path dir) throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        String tenant = TestIds.unique("killed");
        String group = TestIds.unique("workers");
        TrainingTopics.startGroupAtEnd(bootstrap, group);
        long committedBefore = TrainingTopics.committed(bootstrap, group);
        TrainingJob job = TestJobs.job(tenant + "-job1", tenant, 1, null, EPOCHS);
        long began = System.nanoTime();
        RecordMetadata publishedNext;

        try (ProgressTail progress = new ProgressTail(bootstrap, job.jobId());
                TrainingJobPublisher jobs = TrainingJobPublisher.over(KafkaClientFactory.producer(bootstrap));
                ChildWorker child =
                        ChildWorker.start(bootstrap, group, TestIds.unique("child"), dir.resolve("child-worker.log"))) {
            child.awaitReady(Duration.ofMinutes(1));
            RecordMetadata published = jobs.publish(job);
            Await.until(
                    "the child worker to report training " + job.jobId() + " on " + Topics.TRAINING_PROGRESS,
                    Duration.ofSeconds(90),
                    () -> progress.poll().stream().anyMatch(p -> p.phase() == Phase.TRAINING),
                    () -> "progress " + progress.events() + "; " + child.describe());
            assertThat(child.kill()).as("killed by SIGKILL").isEqualTo(137);
            double killedAt = seconds(began);

            // What the victim left behind: it was training, had not finished, published and committed nothing.
            List<TrainingProgress> fromVictim = progressOf(bootstrap, job.jobId());
            assertThat(fromVictim)
                    .extracting(TrainingProgress::phase)
                    .contains(Phase.STARTING, Phase.TRAINING)
                    .doesNotContain(Phase.EVALUATING, Phase.PUBLISHING, Phase.DONE, Phase.FAILED);
            TrainingProgress last = fromVictim.get(fromVictim.size() - 1);
            assertThat(last.totalSteps()).isEqualTo(2L * EPOCHS);
            assertThat(last.step()).as("killed mid-training").isBetween(1L, last.totalSteps() - 1);
            assertThat(child.stdout())
                    .anyMatch(l -> l.contains("job " + job.jobId() + " (attempt 1) STARTING"))
                    .noneMatch(l -> l.contains(" PUBLISHING") || l.contains(" DONE"));
            assertThat(adaptersOf(bootstrap, job.jobId())).isEmpty();
            assertThat(TrainingTopics.committed(bootstrap, group))
                    .as("nothing committed by the killed worker")
                    .isEqualTo(committedBefore);

            List<TrainingProgress> local = new CopyOnWriteArrayList<>();
            WorkerConfig config = WorkerConfig.defaults(bootstrap)
                    .withGroupId(group)
                    .withWorkerId(TestIds.unique("survivor"))
                    .withKeyDir(dir.resolve("survivor-key"));
            try (CandidateTrainer trainer = new CandidateTrainer(bootstrap, Clock.systemUTC());
                    TrainingWorker survivor = TrainingWorker.start(config, trainer, local::add)) {
                // Load the encoder while the group waits for the dead member's session to expire.
                trainer.encoder(job.config().maxLength());
                // The group hands the dead worker's partitions over once its session times out.
                Await.until(
                        "the survivor to take " + job.jobId() + " over",
                        config.sessionTimeout().plusSeconds(20),
                        () -> !local.isEmpty(),
                        () -> "survivor alive=" + survivor.isRunning());
                double takenOverAt = seconds(began);
                Await.until(
                        "the survivor to publish " + job.jobId(),
                        Duration.ofMinutes(2),
                        () -> survivor.jobsPublished() == 1,
                        () -> "survivor progress " + last(local));
                double publishedAt = seconds(began);
                // A later job on the same partition (same tenant key): once it is done, the first is not run again.
                TrainingJob next = TestJobs.job(tenant + "-job2", tenant, 2, null);
                publishedNext = jobs.publish(next);
                assertThat(publishedNext.partition())
                        .as("a tenant's jobs share a partition")
                        .isEqualTo(published.partition());
                Await.until(
                        "the survivor to publish " + next.jobId(),
                        Duration.ofMinutes(1),
                        () -> survivor.jobsPublished() == 2,
                        () -> "survivor progress " + last(local));
                System.out.printf(
                        "killed worker: killed at %.1f s (step %d/%d), taken over at %.1f s (%.1f s after the "
                                + "kill), published at %.1f s%n",
                        killedAt, last.step(), last.totalSteps(), takenOverAt, takenOverAt - killedAt, publishedAt);
            }

            // The survivor ran the job from its start to DONE, and published it.
            List<TrainingProgress> survivorRun =
                    local.stream().filter(p -> p.jobId().equals(job.jobId())).toList();
            assertThat(survivorRun.get(0).phase()).isEqualTo(Phase.STARTING);
            assertThat(survivorRun.get(0).attempt()).isEqualTo(1);
            assertThat(survivorRun)
                    .extracting(TrainingProgress::phase)
                    .contains(Phase.TRAINING, Phase.EVALUATING)
                    .endsWith(Phase.DONE)
                    .doesNotContain(Phase.FAILED);
            assertThat(progressOf(bootstrap, job.jobId()))
                    .filteredOn(p -> p.phase() == Phase.DONE)
                    .hasSize(1);
        }

        // engram.adapters read to its end: one version for the job, the job's, published by the survivor.
        List<AdapterPublished> all = TrainingTopics.adapters(bootstrap);
        List<AdapterPublished> ofJob =
                all.stream().filter(a -> a.jobId().equals(job.jobId())).toList();
        assertThat(ofJob).hasSize(1);
        assertThat(all)
                .filteredOn(a -> a.adapterName().equals(job.adapterName()))
                .extracting(AdapterPublished::version)
                .as("no version published twice")
                .containsExactly(1L, 2L);
        AdapterPublished adapter = ofJob.get(0);
        assertThat(adapter.version()).isEqualTo(job.targetVersion());
        assertThat(adapter.tenant()).isEqualTo(tenant);
        assertThat(adapter.status()).isEqualTo(AdapterStatus.CANDIDATE);
        assertThat(adapter.files())
                .extracting(AdapterFile::name)
                .contains(AdapterFile.PEFT_CONFIG, AdapterFile.PEFT_WEIGHTS);
        assertThat(adapter.metrics().extra().get("steps")).as("trained in full").isEqualTo(2.0 * EPOCHS);
        // Committed with the adapter in one transaction: the group's offset on the tenant's partition is
        // just past the second job. (Not a sum over all partitions: other tests share the broker.)
        assertThat(TrainingTopics.committed(bootstrap, group, publishedNext.partition()))
                .isEqualTo(publishedNext.offset() + 1);
    }

    private static List<AdapterPublished> adaptersOf(String bootstrap, String jobId) {
        return TrainingTopics.adapters(bootstrap).stream()
                .filter(a -> a.jobId().equals(jobId))
                .toList();
    }

    /** The job's progress events on {@code engram.training-progress}, read to its end. */
    private static List<TrainingProgress> progressOf(String bootstrap, String jobId) {
        return TrainingTopics.progress(bootstrap).stream()
                .filter(p -> p.jobId().equals(jobId))
                .toList();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static String last(List<TrainingProgress> events) {
        return events.isEmpty() ? "none" : events.get(events.size() - 1).toString();
    }

    /** Follows {@code engram.training-progress} from its end as of construction, keeping one job's events. */
    private static final class ProgressTail implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final String jobId;
        private final List<TrainingProgress> events = new ArrayList<>();

        ProgressTail(String bootstrap, String jobId) {
            this.jobId = jobId;
            this.consumer = KafkaClientFactory.consumer(bootstrap, null);
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TRAINING_PROGRESS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end now, before the job is sent
        }

        /** Polls once and returns every event of the job seen so far. */
        List<TrainingProgress> poll() {
            consumer.poll(Duration.ofMillis(100)).forEach(r -> {
                TrainingProgress p = ContinualCodec.decodeTrainingProgress(r.value());
                if (p.jobId().equals(jobId)) {
                    events.add(p);
                }
            });
            return List.copyOf(events);
        }

        List<TrainingProgress> events() {
            return List.copyOf(events);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
