package dev.engram.node.tuning;

import dev.engram.streams.TrainingJob;
import java.util.concurrent.CompletionStage;

/**
 * Where a {@link TuningScheduler} sends the jobs it makes: {@code engram.training-jobs} in a node
 * ({@link #kafka}), a list in tests.
 *
 * <pre>{@code
 * JobSink sink = JobSink.kafka(bootstrap, "engram-scheduler-" + nodeId, blockingExecutor);
 * sink.send(job).thenRun(() -> log.info("sent {}", job));
 * }</pre>
 */
@FunctionalInterface
public interface JobSink {

    /** Sends the job; the stage completes once Kafka has all of it, or fails saying why. */
    CompletionStage<Void> send(TrainingJob job);

    /**
     * A sink writing with a transactional {@link dev.engram.streams.TrainingJobPublisher} (chunked
     * when large) on {@code executor}; close the returned sink with the node.
     */
    static KafkaJobSink kafka(String bootstrapServers, String transactionalId, java.util.concurrent.Executor executor) {
        return new KafkaJobSink(bootstrapServers, transactionalId, executor);
    }
}
