package dev.engram.worker;

import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobAssembler;
import dev.engram.streams.TrainingProgress;
import dev.engram.streams.TrainingProgress.Phase;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
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
    private final Consumer<TrainingProgress> listener;
    private final Clock clock;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AdapterPublisher publisher;
    private final KafkaProducer<String, byte[]> plainProducer;
    private final AdapterPublisher progressPublisher;
    private final TrainingJobAssembler assembler = new TrainingJobAssembler();
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private final ExecutorService jobThread;
    private final TimeLimiter timeLimiter;
    private final Thread loop;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean crashed = new AtomicBoolean(false);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile AtomicBoolean currentCancel = new AtomicBoolean();

    private TrainingWorker(WorkerConfig config, JobRunner runner, Consumer<TrainingProgress> listener, Clock clock) {
        this.config = config;
        // First, so that a worker whose key is unusable fails before it joins the group.
        this.key = WorkerKey.loadOrCreate(config.keyDir());
        LOG.info(
                "worker {} signs its candidates with key {} (public key: {})",
                config.workerId(),
                key.id(),
                key.publicKeyFile().toAbsolutePath().normalize());
        this.runner = runner;
        this.listener = listener == null ? p -> {} : listener;
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
        this.progressPublisher = AdapterPublisher.over(plainProducer);
        this.jobThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "engram-worker-" + config.workerId() + "-job");
            t.setDaemon(true);
            return t;
        });
        this.timeLimiter = TimeLimiter.of(
                "worker-" + config.workerId(),
                TimeLimiterConfig.custom()
                        .timeoutDuration(config.jobTimeout())
                        .cancelRunningFuture(true)
                        .build());
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
        TrainingWorker worker = new TrainingWorker(config, runner, listener, clock);
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
        TrainingJob job = ((TrainingJobAssembler.Delivery.Job) delivery).job();
        long offset = delivery.offset();
        if (attempts.getOrDefault(job.jobId(), 0) >= config.maxAttempts()) {
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
        Retry retry = Retry.of(
                "job-" + job.jobId(),
                RetryConfig.custom()
                        .maxAttempts(Math.max(1, config.maxAttempts() - attempts.getOrDefault(job.jobId(), 0)))
                        .intervalFunction(IntervalFunction.ofExponentialBackoff(config.retryBackoff(), 2.0))
                        .retryOnException(e -> running.get() && !(e instanceof InterruptedException))
                        .build());
        JobResult result;
        try {
            result = retry.executeCallable(() -> attempt(job));
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            if (!running.get()) {
                throw new InterruptedException("worker stopping");
            }
            String reason = "job " + job.jobId() + " failed " + attempts.getOrDefault(job.jobId(), 0)
                    + " attempts; last: " + describe(e);
            LOG.warn("{} -> {}", reason, Topics.DEAD_LETTERS);
            emit(job.withAttempt(Math.max(1, attempts.getOrDefault(job.jobId(), 1))), Phase.FAILED, reason);
            deadLetter(DeadLetter.of(record, reason, clock.instant()), tp, offset);
            return;
        }
        int attempt = attempts.getOrDefault(job.jobId(), 1);
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
        attempts.remove(job.jobId());
        published.incrementAndGet();
        LOG.info("published {}", candidate);
        emit(
                attempted,
                Phase.DONE,
                "v" + job.targetVersion() + " published as CANDIDATE" + (result.policyOnly() ? " (policy only)" : ""));
    }

    private JobResult attempt(TrainingJob job) throws Exception {
        int n = attempts.merge(job.jobId(), 1, Integer::sum);
        TrainingJob attempted = job.withAttempt(n);
        AtomicBoolean cancel = new AtomicBoolean();
        currentCancel = cancel;
        ThrottledProgress progress = new ThrottledProgress(config.progressInterval(), this::publishProgress);
        try {
            JobResult result =
                    timeLimiter.executeFutureSupplier(() -> jobThread.submit(() -> runner.run(attempted, p -> {
                        if (cancel.get()) {
                            throw new CancellationException("attempt " + n + " of job " + job.jobId() + " given up");
                        }
                        progress.accept(p);
                    })));
            if (result.policyOnly() && job.rankerPolicy() == null) {
                throw new IllegalStateException("job " + job.jobId() + " produced no adapter and carries no ranker "
                        + "policy: there is nothing to publish");
            }
            return result;
        } catch (TimeoutException e) {
            cancel.set(true);
            throw new TimeoutException("attempt " + n + " ran past the time limit of " + config.jobTimeout());
        } catch (Exception e) {
            cancel.set(true);
            LOG.warn("attempt {} of job {} failed: {}", n, job.jobId(), describe(e));
            throw e;
        }
    }

    private void publishProgress(TrainingProgress p) {
        try {
            listener.accept(p);
        } catch (RuntimeException e) {
            LOG.debug("progress listener failed", e);
        }
    }

    private void emit(TrainingJob job, Phase phase, String detail) {
        TrainingProgress p = TrainingProgress.of(job, phase, 0, 0, null, 0, null, detail, clock.instant());
        publishProgress(p);
        sendProgress(p);
    }

    private void sendProgress(TrainingProgress p) {
        try {
            progressPublisher.publish(p);
        } catch (RuntimeException e) {
            LOG.debug("progress event of {} not sent: {}", p.jobId(), e.toString());
        }
    }

    /** Throttles TRAINING events to Kafka; every event reaches the local listener. */
    private final class ThrottledProgress implements Consumer<TrainingProgress> {
        private final long intervalNanos;
        private final Consumer<TrainingProgress> local;
        private long last = Long.MIN_VALUE;

        ThrottledProgress(Duration interval, Consumer<TrainingProgress> local) {
            this.intervalNanos = interval.toNanos();
            this.local = local;
        }

        @Override
        public void accept(TrainingProgress p) {
            local.accept(p);
            long now = System.nanoTime();
            boolean last = p.totalSteps() > 0 && p.step() == p.totalSteps();
            if (p.phase() != Phase.TRAINING
                    || last
                    || this.last == Long.MIN_VALUE
                    || now - this.last >= intervalNanos) {
                this.last = now;
                sendProgress(p);
            }
        }
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

    private static String describe(Throwable e) {
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
        currentCancel.set(true);
        consumer.wakeup();
        try {
            loop.join(2_000);
            loop.interrupt(); // only still running when blocked on a job attempt
            loop.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        jobThread.shutdownNow();
    }

    /** Stops after abandoning the job in hand (it is not committed, so another worker runs it). */
    @Override
    public void close() {
        stop();
        publisher.close();
        progressPublisher.close();
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
