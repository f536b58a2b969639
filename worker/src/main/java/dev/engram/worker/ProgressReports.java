package dev.engram.worker;

import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.TrainingProgress;
import dev.engram.streams.TrainingProgress.Phase;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a {@link TrainingWorker}'s progress goes: every report to its local listener, and to
 * {@code engram.training-progress} each phase change and a TRAINING report at most every
 * {@link WorkerConfig#progressInterval()} (and the last step). A report that cannot be sent is
 * dropped: progress never fails a job.
 */
final class ProgressReports {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressReports.class);

    private final Consumer<TrainingProgress> listener;
    private final AdapterPublisher topic;
    private final Duration interval;
    private final Clock clock;

    ProgressReports(Consumer<TrainingProgress> listener, AdapterPublisher topic, Duration interval, Clock clock) {
        this.listener = listener == null ? p -> {} : listener;
        this.topic = topic;
        this.interval = interval;
        this.clock = clock;
    }

    /** A phase change of one attempt at a job, with its detail (why it failed, what was published). */
    void phase(String jobId, String tenant, int attempt, Phase phase, String detail) {
        TrainingProgress p = new TrainingProgress(
                TrainingProgress.SCHEMA_VERSION,
                jobId,
                tenant,
                attempt,
                phase,
                0,
                0,
                null,
                0,
                null,
                detail,
                clock.instant());
        local(p);
        send(p);
    }

    /** A sink for one attempt's reports: all to the listener, TRAINING ones throttled to the topic. */
    Consumer<TrainingProgress> throttled() {
        return new Throttled(interval);
    }

    private void local(TrainingProgress p) {
        try {
            listener.accept(p);
        } catch (RuntimeException e) {
            LOG.debug("progress listener failed", e);
        }
    }

    private void send(TrainingProgress p) {
        try {
            topic.publish(p);
        } catch (RuntimeException e) {
            LOG.debug("progress event of {} not sent: {}", p.jobId(), e.toString());
        }
    }

    void close() {
        topic.close();
    }

    private final class Throttled implements Consumer<TrainingProgress> {
        private final long intervalNanos;
        private long last = Long.MIN_VALUE;

        Throttled(Duration interval) {
            this.intervalNanos = interval.toNanos();
        }

        @Override
        public void accept(TrainingProgress p) {
            local(p);
            long now = System.nanoTime();
            boolean lastStep = p.totalSteps() > 0 && p.step() == p.totalSteps();
            if (p.phase() != Phase.TRAINING || lastStep || last == Long.MIN_VALUE || now - last >= intervalNanos) {
                last = now;
                send(p);
            }
        }
    }
}
