package dev.engram.worker;

import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingProgress;
import java.util.function.Consumer;

/**
 * Runs one attempt at a training job: trains the candidate and evaluates it against its parent.
 * {@link CandidateTrainer} is the real one; tests substitute faults.
 */
@FunctionalInterface
public interface JobRunner {

    /**
     * @param job the job, with the attempt number set
     * @param progress receives progress events; may throw {@link java.util.concurrent.CancellationException}
     *     when the attempt was given up (time limit), which must end the attempt
     * @return the trained and evaluated candidate
     * @throws Exception when the attempt failed; the worker retries it
     */
    JobResult run(TrainingJob job, Consumer<TrainingProgress> progress) throws Exception;
}
