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
        return kafka(dev.engram.streams.KafkaConnection.of(bootstrapServers), transactionalId, executor);
    }

    /** As above, over a connection with client properties (SASL, SSL). */
    static KafkaJobSink kafka(
            dev.engram.streams.KafkaConnection kafka, String transactionalId, java.util.concurrent.Executor executor) {
        return new KafkaJobSink(kafka, transactionalId, executor);
    }

    /**
     * This sink, with every job first given the ranker policy {@code proposer} fits for its tenant
     * (held-out tasks of the job excluded along with {@code earlierHeldOut}'s), on {@code executor}.
     * A proposer that fails costs the policy, never the job: it is sent without one.
     */
    default JobSink withPolicies(
            PolicyProposer proposer,
            java.util.function.Function<String, java.util.Collection<String>> earlierHeldOut,
            java.util.concurrent.Executor executor) {
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JobSink.class);
        return job -> {
            java.util.concurrent.CompletableFuture<TrainingJob> proposed;
            try {
                proposed = java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> {
                            java.util.Set<String> heldOut = new java.util.HashSet<>(earlierHeldOut.apply(job.tenant()));
                            job.heldOut().forEach(q -> heldOut.add(q.query().strip()));
                            try {
                                return proposer.propose(job.tenant(), heldOut)
                                        .map(job::withRankerPolicy)
                                        .orElse(job);
                            } catch (RuntimeException e) {
                                log.warn(
                                        "no ranker policy for {} ({}); sending it without one",
                                        job.jobId(),
                                        e.toString());
                                return job;
                            }
                        },
                        executor);
            } catch (java.util.concurrent.RejectedExecutionException e) { // the node is stopping
                return java.util.concurrent.CompletableFuture.failedFuture(e);
            }
            return proposed.thenCompose(this::send);
        };
    }
}
