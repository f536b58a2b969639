package dev.engram.node.ingest;

import dev.engram.node.internal.Async;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.Topics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Produces dead letters to {@code engram.dead-letters} (key = the original record's key), through a
 * retry, a circuit breaker and a time limit on the broker's acks. Delivery is at least once: a
 * batch that is redelivered after a failure may dead-letter the same record twice; readers
 * deduplicate by {@code (sourceTopic, partition, offset)}.
 */
public final class KafkaDeadLetterSink implements DeadLetterSink {

    private final Producer<String, byte[]> producer;
    private final Retry retry;
    private final CircuitBreaker breaker;
    private final TimeLimiter timeLimiter;
    private final ScheduledExecutorService scheduler;
    private final Executor blocking;

    /**
     * @param producer an idempotent producer with {@code acks=all}; closed with this sink
     * @param blocking where {@code send} runs (it may block on metadata)
     */
    public KafkaDeadLetterSink(Producer<String, byte[]> producer, Retry retry, CircuitBreaker breaker,
            TimeLimiter timeLimiter, ScheduledExecutorService scheduler, Executor blocking) {
        this.producer = producer;
        this.retry = retry;
        this.breaker = breaker;
        this.timeLimiter = timeLimiter;
        this.scheduler = scheduler;
        this.blocking = blocking;
    }

    @Override
    public CompletionStage<Void> publish(List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return retry.executeCompletionStage(scheduler, () -> breaker.executeCompletionStage(
                () -> timeLimiter.executeCompletionStage(scheduler, () -> sendAll(letters))));
    }

    private CompletableFuture<Void> sendAll(List<DeadLetter> letters) {
        return Async.supply(() -> {
            List<CompletableFuture<Void>> acks = new ArrayList<>(letters.size());
            for (DeadLetter letter : letters) {
                CompletableFuture<Void> ack = new CompletableFuture<>();
                producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS, letter.key(), EventCodec.encode(letter)),
                        (metadata, error) -> {
                            if (error == null) {
                                ack.complete(null);
                            } else {
                                ack.completeExceptionally(error);
                            }
                        });
                acks.add(ack);
            }
            return acks;
        }, blocking).thenCompose(acks -> CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)));
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
