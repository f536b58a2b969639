package dev.engram.worker;

import dev.engram.streams.TrainingProgress;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link TrainingWorker} tries a job, whatever its kind: on one job thread (DJL allows one
 * gradient collector per JVM), each attempt under the time limit, retried with exponential backoff
 * up to {@link WorkerConfig#maxAttempts()} attempts counted per job id, an abandoned attempt's
 * progress cut off.
 */
final class JobAttempts {

    private static final Logger LOG = LoggerFactory.getLogger(JobAttempts.class);

    /** What one attempt runs, on the job thread. */
    @FunctionalInterface
    interface Body<T> {
        T run(int attempt, Consumer<TrainingProgress> progress) throws Exception;
    }

    private final WorkerConfig config;
    private final ProgressReports progress;
    private final BooleanSupplier running;
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private final ExecutorService jobThread;
    private final TimeLimiter timeLimiter;
    private volatile AtomicBoolean currentCancel = new AtomicBoolean();

    JobAttempts(WorkerConfig config, ProgressReports progress, BooleanSupplier running) {
        this.config = config;
        this.progress = progress;
        this.running = running;
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
    }

    /** Attempts made at the job so far (0 before the first). */
    int made(String jobId) {
        return attempts.getOrDefault(jobId, 0);
    }

    /** Whether the job has used up its attempts on this worker. */
    boolean exhausted(String jobId) {
        return made(jobId) >= config.maxAttempts();
    }

    /** Forgets a finished job's count. */
    void done(String jobId) {
        attempts.remove(jobId);
    }

    /**
     * Runs the job's remaining attempts until one succeeds.
     *
     * @throws Exception the last attempt's failure
     */
    <T> T run(String jobId, Body<T> body) throws Exception {
        Retry retry = Retry.of(
                "job-" + jobId,
                RetryConfig.custom()
                        .maxAttempts(Math.max(1, config.maxAttempts() - made(jobId)))
                        .intervalFunction(IntervalFunction.ofExponentialBackoff(config.retryBackoff(), 2.0))
                        .retryOnException(e -> running.getAsBoolean() && !(e instanceof InterruptedException))
                        .build());
        return retry.executeCallable(() -> attempt(jobId, body));
    }

    private <T> T attempt(String jobId, Body<T> body) throws Exception {
        int n = attempts.merge(jobId, 1, Integer::sum);
        AtomicBoolean cancel = new AtomicBoolean();
        currentCancel = cancel;
        Consumer<TrainingProgress> reports = progress.throttled();
        try {
            return timeLimiter.executeFutureSupplier(() -> jobThread.submit(() -> body.run(n, p -> {
                if (cancel.get()) {
                    throw new CancellationException("attempt " + n + " of job " + jobId + " given up");
                }
                reports.accept(p);
            })));
        } catch (TimeoutException e) {
            cancel.set(true);
            throw new TimeoutException("attempt " + n + " ran past the time limit of " + config.jobTimeout());
        } catch (Exception e) {
            cancel.set(true);
            LOG.warn("attempt {} of job {} failed: {}", n, jobId, TrainingWorker.describe(e));
            throw e;
        }
    }

    /** Gives up the attempt in hand: its next progress report throws. */
    void cancelCurrent() {
        currentCancel.set(true);
    }

    void shutdown() {
        jobThread.shutdownNow();
    }
}
