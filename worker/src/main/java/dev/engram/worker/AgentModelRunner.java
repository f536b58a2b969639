package dev.engram.worker;

import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AgentModelJob;
import dev.engram.streams.TrainingProgress;
import java.util.function.Consumer;

/**
 * Runs one agent-model round for a {@link TrainingWorker}: trains and gates the job's candidate and
 * returns it unsigned, as version {@link AgentModelJob#targetVersion()}; the worker signs and
 * publishes it. {@link AgentModelTrainer} is the one with a real model.
 */
@FunctionalInterface
public interface AgentModelRunner {

    /**
     * @param progress receives TRAINING reports; throws to give the attempt up
     * @throws Exception when the round cannot run (the worker retries, then dead-letters the job)
     */
    AdapterPublished run(AgentModelJob job, Consumer<TrainingProgress> progress) throws Exception;
}
