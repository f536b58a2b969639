package dev.engram.worker;

import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.AgentModelJob;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobAssembler;
import dev.engram.streams.TrainingProgress;
import dev.engram.streams.TrainingProgress.Phase;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training worker: a consumer in group {@code engram-workers} on {@code engram.training-jobs} that
 * runs one job at a time (DJL allows one gradient collector per JVM) and publishes each job's
 * candidate on {@code engram.adapters} in one Kafka transaction with the job's consumed offset, so
 * a job yields exactly one adapter version even when a worker dies mid-job and another takes over.
 *
 * <p>A worker runs one kind of job: retriever jobs ({@link #start}, with a {@link JobRunner}) or
 * agent-model rounds ({@link #startAgentModel}, with an {@link AgentModelRunner}, in its own group);
 * it commits past jobs of the other kind, which the other kind's group runs.
 *
 * <p>Around each job: a Resilience4j time limit per attempt, retries with exponential backoff, and
 * after {@link WorkerConfig#maxAttempts()} failed attempts (counted per job id in this worker) the
 * job goes to {@code engram.dead-letters} with the last failure as its reason and the worker commits
 * past it. Undecodable jobs go there at once. Progress events go to {@code engram.training-progress}
 * (TRAINING at most every {@link WorkerConfig#progressInterval()}) and to a local listener.
 *
 * <pre>{@code
 * try (CandidateTrainer trainer = new CandidateTrainer(bootstrap, Clock.systemUTC());
 *      TrainingWorker worker = TrainingWorker.start(WorkerConfig.defaults(bootstrap), trainer, p -> {})) {
 *     ...
 * }
 * }</pre>
 */
public final class TrainingWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingWorker.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final WorkerConfig config;
    private final WorkerKey key;
    private final JobRunner runner;
    private final AgentModelRunner agentRunner;
    private final Clock clock;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AdapterPublisher publisher;
    private final KafkaProducer<String, byte[]> plainProducer;
    private final ProgressReports progress;
    private final TrainingJobAssembler assembler = new TrainingJobAssembler();
    private final JobAttempts attempts;
    private final Thread loop;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean crashed = new AtomicBoolean(false);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();

    private TrainingWorker(
            WorkerConfig config,
            JobRunner runner,
            AgentModelRunner agentRunner,
            Consumer<TrainingProgress> listener,
            Clock clock) {
        this.config = config;
        // First, so that a worker whose key is unusable fails before it joins the group.
        this.key = WorkerKey.loadOrCreate(config.keyDir());
        LOG.info(
                "worker {} signs its candidates with key {} (public key: {})",
                config.workerId(),
                key.id(),
                key.publicKeyFile().toAbsolutePath().normalize());
        this.runner = runner;
        this.agentRunner = agentRunner;
        this.clock = clock;
        long attemptMillis = config.jobTimeout().toMillis()
                + config.retryBackoff().toMillis() * (1L << Math.min(20, config.maxAttempts()));
        long pollInterval = Math.min(Integer.MAX_VALUE, attemptMillis * config.maxAttempts() + 60_000);
        this.consumer = KafkaClientFactory.consumer(
                config.kafka(),
                config.groupId(),
                Map.of(
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        16,
                        ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                        (int) pollInterval,
                        // A killed worker's job moves on after the session timeout; heartbeats at a third of it.
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                        (int) config.sessionTimeout().toMillis(),
                        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                        (int) Math.min(3_000, config.sessionTimeout().toMillis() / 3),
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        "engram-worker-" + config.workerId()));
        this.publisher = AdapterPublisher.transactional(config.kafka(), config.transactionalId());
        this.plainProducer = KafkaClientFactory.producer(config.kafka());
        this.progress =
                new ProgressReports(listener, AdapterPublisher.over(plainProducer), config.progressInterval(), clock);
        this.attempts = new JobAttempts(config, progress, running::get);
        this.loop = new Thread(this::pollLoop, "engram-worker-" + config.workerId());
    }

    /**
     * Starts a worker on its own thread.
     *
     * @param runner trains and evaluates a job (a {@link CandidateTrainer})
     * @param listener receives every progress event of this worker, on the job thread; may be null
     */
    public static TrainingWorker start(WorkerConfig config, JobRunner runner, Consumer<TrainingProgress> listener) {
        return start(config, runner, listener, Clock.systemUTC());
    }

    /** As {@link #start(WorkerConfig, JobRunner, Consumer)} with a clock for event timestamps. */
    public static TrainingWorker start(
            WorkerConfig config, JobRunner runner, Consumer<TrainingProgress> listener, Clock clock) {
        TrainingWorker worker =
                new TrainingWorker(config, java.util.Objects.requireNonNull(runner), null, listener, clock);
        worker.loop.start();
        return worker;
    }

    /**
     * Starts a worker that runs agent-model jobs only, on its own thread. Give it its own consumer
     * group ({@link WorkerConfig#AGENT_MODEL_GROUP}): it commits past retriever jobs, as retriever
     * workers commit past agent-model jobs, so each kind is run by the group whose workers can.
     *
     * @param runner trains and gates a round (an {@link AgentModelTrainer})
     */
    public static TrainingWorker startAgentModel(
            WorkerConfig config, AgentModelRunner runner, Consumer<TrainingProgress> listener, Clock clock) {
        TrainingWorker worker =
                new TrainingWorker(config, null, java.util.Objects.requireNonNull(runner), listener, clock);
        worker.loop.start();
        return worker;
    }

    /** The key this worker signs its candidates with. */
    public WorkerKey key() {
        return key;
    }

    /** Candidates this worker has published. */
    public long jobsPublished() {
        return published.get();
    }

    /** Jobs this worker has moved to the dead-letter topic. */
    public long jobsDeadLettered() {
        return deadLettered.get();
    }

    /** Whether the worker's loop still runs. */
    public boolean isRunning() {
        return loop.isAlive();
    }

    private void pollLoop() {
        try {
            consumer.subscribe(java.util.List.of(Topics.TRAINING_JOBS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    assembler.forget(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
            });
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    if (!running.get()) {
                        break;
                    }
                    for (TrainingJobAssembler.Delivery d : assembler.accept(record)) {
                        if (!running.get()) {
                            break;
                        }
                        handle(record, d);
                    }
                }
            }
        } catch (WakeupException | InterruptedException | org.apache.kafka.common.errors.InterruptException e) {
            // stopping
        } catch (RuntimeException e) {
            if (!crashed.get()) {
                LOG.error("worker {} stopped: {}", config.workerId(), e.toString(), e);
            }
        } finally {
            // Nothing is committed here: what was not published in a transaction is run again elsewhere.
            Thread.interrupted();
            consumer.close(Duration.ofSeconds(crashed.get() ? 0 : 5));
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record, TrainingJobAssembler.Delivery delivery)
            throws InterruptedException {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        if (delivery instanceof TrainingJobAssembler.Delivery.Rejected r) {
            byte[] original = r.offset() == record.offset() && record.value() != null ? record.value() : new byte[0];
            deadLetter(
                    new DeadLetter(
                            r.topic(),
                            r.partition(),
                            r.offset(),
                            r.key(),
                            original,
                            "undecodable training job: " + r.reason(),
                            clock.instant()),
                    tp,
                    record.offset());
            return;
        }
        if (delivery instanceof TrainingJobAssembler.Delivery.AgentModel a) {
            if (agentRunner == null) {
                leave(tp, delivery.offset(), a.job().jobId(), "agent-model");
            } else {
                handleAgentModel(record, a.job(), delivery.offset(), tp);
            }
            return;
        }
        TrainingJob job = ((TrainingJobAssembler.Delivery.Job) delivery).job();
        long offset = delivery.offset();
        if (runner == null) {
            leave(tp, offset, job.jobId(), "retriever");
            return;
        }
        if (attempts.exhausted(job.jobId())) {
            deadLetter(
                    DeadLetter.of(
                            record,
                            "job " + job.jobId() + " already failed " + config.maxAttempts() + " attempts on worker "
                                    + config.workerId(),
                            clock.instant()),
                    tp,
                    offset);
            return;
        }
        JobResult result;
        try {
            result = attempts.run(job.jobId(), (n, reports) -> {
                JobResult r = runner.run(job.withAttempt(n), reports);
                if (r.policyOnly() && job.rankerPolicy() == null) {
                    throw new IllegalStateException("job " + job.jobId() + " produced no adapter and carries no ranker "
                            + "policy: there is nothing to publish");
                }
                return r;
            });
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            if (!running.get()) {
                throw new InterruptedException("worker stopping");
            }
            String reason =
                    "job " + job.jobId() + " failed " + attempts.made(job.jobId()) + " attempts; last: " + describe(e);
            LOG.warn("{} -> {}", reason, Topics.DEAD_LETTERS);
            emit(job.withAttempt(Math.max(1, attempts.made(job.jobId()))), Phase.FAILED, reason);
            deadLetter(DeadLetter.of(record, reason, clock.instant()), tp, offset);
            return;
        }
        int attempt = Math.max(1, attempts.made(job.jobId()));
        TrainingJob attempted = job.withAttempt(attempt);
        emit(attempted, Phase.PUBLISHING, "");
        AdapterPublished candidate = key.sign(AdapterPublished.candidate(
                job,
                result.policyOnly() ? AdapterMethod.POLICY_ONLY : job.method(),
                result.metrics(),
                withRankerPolicy(job, result.files()),
                clock.instant()));
        try {
            publisher.publish(
                    candidate,
                    Map.of(tp, new OffsetAndMetadata(assembler.committableOffset(tp, offset + 1))),
                    consumer.groupMetadata());
        } catch (RuntimeException e) {
            // Not committed: the job runs again (here after a rewind, or on the worker that now owns the partition).
            LOG.warn("publishing {} failed, the job will run again: {}", candidate, e.toString());
            rewind(tp, offset);
            return;
        }
        attempts.done(job.jobId());
        published.incrementAndGet();
        LOG.info("published {}", candidate);
        emit(
                attempted,
                Phase.DONE,
                "v" + job.targetVersion() + " published as CANDIDATE" + (result.policyOnly() ? " (policy only)" : ""));
    }

    /**
     * An agent-model round: as a retriever job (attempts, time limit, dead letter), its candidate
     * signed and published in one transaction with the job's offset.
     */
    private void handleAgentModel(
            ConsumerRecord<String, byte[]> record, AgentModelJob job, long offset, TopicPartition tp)
            throws InterruptedException {
        if (attempts.exhausted(job.jobId())) {
            deadLetter(
                    DeadLetter.of(
                            record,
                            "job " + job.jobId() + " already failed " + config.maxAttempts() + " attempts on worker "
                                    + config.workerId(),
                            clock.instant()),
                    tp,
                    offset);
            return;
        }
        AdapterPublished unsigned;
        try {
            unsigned = attempts.run(job.jobId(), (n, reports) -> {
                emit(job.jobId(), job.tenant(), n, Phase.STARTING, "agent-model round");
                return agentRunner.run(job.withAttempt(n), reports);
            });
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            if (!running.get()) {
                throw new InterruptedException("worker stopping");
            }
            String reason =
                    "job " + job.jobId() + " failed " + attempts.made(job.jobId()) + " attempts; last: " + describe(e);
            LOG.warn("{} -> {}", reason, Topics.DEAD_LETTERS);
            emit(job.jobId(), job.tenant(), Math.max(1, attempts.made(job.jobId())), Phase.FAILED, reason);
            deadLetter(DeadLetter.of(record, reason, clock.instant()), tp, offset);
            return;
        }
        int attempt = Math.max(1, attempts.made(job.jobId()));
        emit(job.jobId(), job.tenant(), attempt, Phase.PUBLISHING, "");
        AdapterPublished candidate = key.sign(unsigned);
        try {
            publisher.publish(
                    candidate,
                    Map.of(tp, new OffsetAndMetadata(assembler.committableOffset(tp, offset + 1))),
                    consumer.groupMetadata());
        } catch (RuntimeException e) {
            LOG.warn("publishing {} failed, the job will run again: {}", candidate, e.toString());
            rewind(tp, offset);
            return;
        }
        attempts.done(job.jobId());
        published.incrementAndGet();
        LOG.info("published {}", candidate);
        emit(
                job.jobId(),
                job.tenant(),
                attempt,
                Phase.DONE,
                "v" + job.targetVersion() + " published, plan-loss gate: "
                        + candidate.planLoss().reason());
    }

    /** A job of the kind this worker does not run: its group of workers runs it; commit past it. */
    private void leave(TopicPartition tp, long offset, String jobId, String kind) {
        LOG.debug("{} job {} left to the workers that run {} jobs", kind, jobId, kind);
        consumer.commitSync(Map.of(tp, new OffsetAndMetadata(assembler.committableOffset(tp, offset + 1))));
    }

    private void emit(TrainingJob job, Phase phase, String detail) {
        progress.phase(job.jobId(), job.tenant(), job.attempt(), phase, detail);
    }

    private void emit(String jobId, String tenant, int attempt, Phase phase, String detail) {
        progress.phase(jobId, tenant, attempt, phase, detail);
    }

    private void deadLetter(DeadLetter letter, TopicPartition tp, long offset) {
        try {
            plainProducer
                    .send(new ProducerRecord<>(Topics.DEAD_LETTERS, letter.key(), EventCodec.encode(letter)))
                    .get();
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(assembler.committableOffset(tp, offset + 1))));
            deadLettered.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        } catch (Exception e) {
            LOG.warn("could not dead-letter {}: {}", letter, e.toString());
            rewind(tp, offset);
        }
    }

    private void rewind(TopicPartition tp, long offset) {
        if (consumer.assignment().contains(tp)) {
            consumer.seek(tp, assembler.committableOffset(tp, offset));
            assembler.forget(java.util.List.of(tp));
        }
    }

    static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException
                        || t instanceof java.util.concurrent.CompletionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /**
     * Stops as a crash would: the job in hand is abandoned and nothing more is committed or
     * published (the consumer leaves the group at once, so the job's partition moves on quickly).
     */
    void crash() {
        crashed.set(true);
        stop();
    }

    private void stop() {
        running.set(false);
        attempts.cancelCurrent();
        consumer.wakeup();
        try {
            loop.join(2_000);
            loop.interrupt(); // only still running when blocked on a job attempt
            loop.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        attempts.shutdown();
    }

    /** Stops after abandoning the job in hand (it is not committed, so another worker runs it). */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            try {
                publisher.close();
            } finally {
                progress.close();
                plainProducer.close(Duration.ofSeconds(5)); // the progress topic leaves the producer open
            }
        }
    }

    /** The trained files, plus the round's ranker policy when the job carries one: one payload, one version. */
    private static List<AdapterFile> withRankerPolicy(TrainingJob job, List<AdapterFile> files) {
        if (job.rankerPolicy() == null) {
            return files;
        }
        List<AdapterFile> all = new ArrayList<>(files);
        all.removeIf(f -> f.name().equals(AdapterFile.RANKER_POLICY));
        all.add(new AdapterFile(AdapterFile.RANKER_POLICY, job.rankerPolicy().getBytes(StandardCharsets.UTF_8)));
        return all;
    }
}
