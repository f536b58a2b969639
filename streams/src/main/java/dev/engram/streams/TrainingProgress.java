package dev.engram.streams;

import dev.engram.streams.internal.ChunkChecks;
import dev.engram.streams.internal.FieldChecks;
import java.time.Instant;

/**
 * How a running training job is doing, on {@link Topics#TRAINING_PROGRESS} keyed by job id: what
 * the CLI's progress bar and the console show. A worker sends one every few seconds and one when
 * the job ends ({@link Phase#DONE} or {@link Phase#FAILED}).
 *
 * <pre>{@code
 * publisher.publish(TrainingProgress.of(job, Phase.TRAINING, 40, 120, 0.83, 55.1, 14.5, "", clock.instant()));
 * }</pre>
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param jobId the job, {@link TrainingJob#JOB_ID_REGEX}
 * @param tenant the job's tenant
 * @param attempt the job's attempt, >= 1
 * @param phase where the job is
 * @param step optimizer steps done, in [0, totalSteps]
 * @param totalSteps steps the job will take, >= 0 (0 while unknown)
 * @param loss the latest training loss (finite), or null before the first step
 * @param examplesPerSecond throughput, finite and >= 0
 * @param etaSeconds estimated seconds to the end of the job (finite, >= 0), or null when unknown
 * @param detail a short free text (e.g. why it failed), {@code ""} when none, at most
 *     {@link EventLimits#MAX_REASON_CHARS} characters
 * @param timestamp when it was measured
 */
public record TrainingProgress(
        int schemaVersion,
        String jobId,
        String tenant,
        int attempt,
        Phase phase,
        long step,
        long totalSteps,
        Double loss,
        double examplesPerSecond,
        Double etaSeconds,
        String detail,
        Instant timestamp) {

    /** The version of the progress contract this code writes and the newest it reads. */
    public static final int SCHEMA_VERSION = 1;

    /** The stages of a job, in order; DONE and FAILED end it. */
    public enum Phase {
        STARTING,
        TRAINING,
        EVALUATING,
        PUBLISHING,
        DONE,
        FAILED
    }

    public TrainingProgress {
        if (schemaVersion > SCHEMA_VERSION) {
            throw new InvalidEventException(
                    "schemaVersion",
                    "version " + schemaVersion + " is newer than this reader understands (up to " + SCHEMA_VERSION
                            + "); upgrade Engram to read it");
        }
        ChunkChecks.atLeast("schemaVersion", schemaVersion, 1);
        ChunkChecks.requireMatch("jobId", jobId, TrainingJob.JOB_ID, "a training job id, " + TrainingJob.JOB_ID_REGEX);
        FieldChecks.requireTenant("tenant", tenant);
        ChunkChecks.atLeast("attempt", attempt, 1);
        ChunkChecks.requireNonNull("phase", phase);
        ChunkChecks.atLeast("totalSteps", totalSteps, 0);
        ChunkChecks.atLeast("step", step, 0);
        if (totalSteps > 0 && step > totalSteps) {
            throw new InvalidEventException("step", "must be <= totalSteps " + totalSteps + ", was " + step);
        }
        if (loss != null && !Double.isFinite(loss)) {
            throw new InvalidEventException("loss", "must be finite or null, was " + loss);
        }
        ChunkChecks.finiteIn("examplesPerSecond", examplesPerSecond, 0, Double.MAX_VALUE);
        if (etaSeconds != null) {
            ChunkChecks.finiteIn("etaSeconds", etaSeconds, 0, Double.MAX_VALUE);
        }
        detail = FieldChecks.optionalText("detail", detail, EventLimits.MAX_REASON_CHARS);
        ChunkChecks.requireNonNull("timestamp", timestamp);
    }

    /** A report for {@code job} (its id, tenant and attempt) of the current schema version. */
    public static TrainingProgress of(
            TrainingJob job,
            Phase phase,
            long step,
            long totalSteps,
            Double loss,
            double examplesPerSecond,
            Double etaSeconds,
            String detail,
            Instant timestamp) {
        return new TrainingProgress(
                SCHEMA_VERSION,
                job.jobId(),
                job.tenant(),
                job.attempt(),
                phase,
                step,
                totalSteps,
                loss,
                examplesPerSecond,
                etaSeconds,
                detail,
                timestamp);
    }

    /** The fraction done, in [0, 1]; 0 while {@link #totalSteps()} is unknown. */
    public double fraction() {
        return totalSteps == 0 ? (phase == Phase.DONE ? 1 : 0) : (double) step / totalSteps;
    }
}
