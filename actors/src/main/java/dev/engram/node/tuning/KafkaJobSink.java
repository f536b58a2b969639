package dev.engram.node.tuning;

import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingJobPublisher;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The {@link JobSink} of a node: one transactional {@link TrainingJobPublisher}, used by one thread
 * at a time (the publisher is not thread-safe; jobs are rare, so a lock costs nothing).
 */
public final class KafkaJobSink implements JobSink, AutoCloseable {

    private final dev.engram.streams.KafkaConnection kafka;
    private final String transactionalId;
    private final Executor executor;
    private TrainingJobPublisher publisher;

    KafkaJobSink(dev.engram.streams.KafkaConnection kafka, String transactionalId, Executor executor) {
        this.kafka = kafka;
        this.transactionalId = transactionalId;
        this.executor = executor;
    }

    @Override
    public CompletionStage<Void> send(TrainingJob job) {
        return CompletableFuture.runAsync(() -> publish(job), executor);
    }

    private synchronized void publish(TrainingJob job) {
        if (publisher == null) {
            publisher = TrainingJobPublisher.transactional(kafka, transactionalId);
        }
        try {
            publisher.publish(job);
        } catch (RuntimeException e) {
            // A failed transactional producer may be fenced or in an abortable state: start afresh next time.
            publisher.close();
            publisher = null;
            throw e;
        }
    }

    @Override
    public synchronized void close() {
        if (publisher != null) {
            publisher.close();
            publisher = null;
        }
    }
}
