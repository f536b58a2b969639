package dev.engram.node.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.streams.AgentModelJob;
import dev.engram.streams.ContinualCodec;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobAssembler;
import dev.engram.streams.TrainingProgress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the training jobs on its own thread: {@code engram.training-jobs} (what was asked),
 * {@code engram.training-progress} (what the workers report) and {@code engram.dead-letters} (jobs
 * given up), each from the beginning of its retention, and keeps the newest {@link #MAX_JOBS} jobs
 * with their state and loss curve. Every node runs one, so any node answers for every job.
 *
 * <pre>{@code
 * try (TrainingJobTracker jobs = TrainingJobTracker.start(kafka)) {
 *     jobs.jobs(tenant -> true).forEach(j -> System.out.println(j.jobId() + " " + j.state()));
 * }
 * }</pre>
 *
 * <p>Workers send a progress report every few seconds while training, so a curve has a point per
 * report, not per step; a job's curve keeps at most {@link #MAX_CURVE_POINTS} (every other point
 * is dropped when it fills, so a long job keeps its shape).
 */
public final class TrainingJobTracker implements AutoCloseable {

    /** Jobs kept: the newest, finished ones leave first. */
    public static final int MAX_JOBS = 500;
    /** Most points of one job's loss curve. */
    public static final int MAX_CURVE_POINTS = 400;

    private static final Logger log = LoggerFactory.getLogger(TrainingJobTracker.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final TrainingJobAssembler assembler = new TrainingJobAssembler();
    private final Map<String, TrackedJob> jobs = new LinkedHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile boolean caughtUp;

    private TrainingJobTracker(KafkaConnection kafka) {
        this.consumer = KafkaClientFactory.consumer(kafka, null);
        this.thread = new Thread(this::run, "engram-training-jobs");
        this.thread.setDaemon(true);
    }

    /** Starts following the topics; {@link #close()} stops. */
    public static TrainingJobTracker start(KafkaConnection kafka) {
        TrainingJobTracker tracker = new TrainingJobTracker(kafka);
        tracker.thread.start();
        return tracker;
    }

    /** True once it has read what the topics held when it started. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** The jobs of the tenants {@code visible} accepts, newest first, without their loss curves. */
    public List<TrainingJobView> jobs(Predicate<String> visible) {
        List<TrainingJobView> out = new ArrayList<>();
        synchronized (jobs) {
            for (TrackedJob job : jobs.values()) {
                if (visible.test(job.tenant)) {
                    out.add(job.view(false));
                }
            }
        }
        out.sort(Comparator.comparing(
                        (TrainingJobView j) -> j.queuedAt() != null ? j.queuedAt() : j.updatedAt(),
                        Comparator.nullsFirst(Comparator.naturalOrder()))
                .reversed());
        return out;
    }

    /** One job with its loss curve. */
    public Optional<TrainingJobView> job(String jobId) {
        synchronized (jobs) {
            TrackedJob job = jobs.get(jobId);
            return job == null ? Optional.empty() : Optional.of(job.view(true));
        }
    }

    private void run() {
        try {
            List<TopicPartition> all = new ArrayList<>(partitions(Topics.TRAINING_JOBS));
            all.addAll(partitions(Topics.TRAINING_PROGRESS));
            all.addAll(partitions(Topics.DEAD_LETTERS));
            consumer.assign(all);
            consumer.seekToBeginning(all);
            Map<TopicPartition, Long> startEnd = consumer.endOffsets(all);
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        switch (r.topic()) {
                            case Topics.TRAINING_JOBS -> onJobRecord(r);
                            case Topics.TRAINING_PROGRESS -> onProgress(r);
                            default -> onDeadLetter(r);
                        }
                    } catch (RuntimeException e) {
                        log.debug("{}-{}@{} skipped: {}", r.topic(), r.partition(), r.offset(), e.toString());
                    }
                }
                if (!caughtUp) {
                    caughtUp =
                            startEnd.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            log.error("following the training jobs stopped: {}", e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private List<TopicPartition> partitions(String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
    }

    private void onJobRecord(ConsumerRecord<String, byte[]> record) {
        for (TrainingJobAssembler.Delivery d : assembler.accept(record)) {
            if (d instanceof TrainingJobAssembler.Delivery.Job j) {
                TrainingJob job = j.job();
                synchronized (jobs) {
                    tracked(job.jobId(), job.tenant()).asked(job);
                }
            } else if (d instanceof TrainingJobAssembler.Delivery.AgentModel a) {
                AgentModelJob job = a.job();
                synchronized (jobs) {
                    tracked(job.jobId(), job.tenant()).asked(job);
                }
            }
        }
    }

    private void onProgress(ConsumerRecord<String, byte[]> record) {
        TrainingProgress p = ContinualCodec.decodeTrainingProgress(record.value());
        synchronized (jobs) {
            tracked(p.jobId(), p.tenant()).reported(p);
        }
    }

    private void onDeadLetter(ConsumerRecord<String, byte[]> record) {
        DeadLetter letter = EventCodec.decodeDeadLetter(record.value());
        if (!Topics.TRAINING_JOBS.equals(letter.sourceTopic()) || letter.original().length == 0) {
            return;
        }
        JsonNode job;
        try {
            job = EventCodec.mapper().readTree(letter.original());
        } catch (java.io.IOException e) {
            return; // a chunk or a record that is not a job: nothing to mark
        }
        JsonNode jobId = job.get("jobId");
        JsonNode tenant = job.get("tenant");
        if (jobId != null && jobId.isTextual() && tenant != null && tenant.isTextual()) {
            synchronized (jobs) {
                tracked(jobId.asText(), tenant.asText()).deadLettered(letter);
            }
        }
    }

    /** The job's entry, made (and the oldest finished one dropped when full) if new; holds the lock. */
    private TrackedJob tracked(String jobId, String tenant) {
        TrackedJob job = jobs.get(jobId);
        if (job == null) {
            if (jobs.size() >= MAX_JOBS) {
                evictOne();
            }
            job = new TrackedJob(jobId, tenant);
            jobs.put(jobId, job);
        }
        return job;
    }

    private void evictOne() {
        Iterator<TrackedJob> it = jobs.values().iterator();
        while (it.hasNext()) {
            TrackedJob job = it.next();
            if (job.state == TrainingJobState.DONE || job.state == TrainingJobState.FAILED) {
                it.remove();
                return;
            }
        }
        jobs.remove(jobs.keySet().iterator().next());
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
