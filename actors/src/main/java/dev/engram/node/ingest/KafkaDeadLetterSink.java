package dev.engram.node.ingest;

import dev.engram.node.internal.Async;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.Topics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces dead letters to {@code engram.dead-letters} (key = the original record's key), through a
 * retry, a circuit breaker and a time limit on the broker's acks. Delivery is at least once: a
 * batch that is redelivered after a failure may dead-letter the same record twice; readers
 * deduplicate by {@code (sourceTopic, partition, offset)}.
 *
 * <p><b>Every letter is deliverable.</b> A letter carries the original base64-encoded (4/3 larger)
 * and, in its JSON, the key that is also its record key; near the feedback topic's limit that is
 * more than the dead-letter topic holds, and a letter the topic refuses would fail its batch
 * forever. So a letter whose record would exceed {@code maxMessageBytes} is sent {@linkplain
 * DeadLetter#shrunkTo shrunk} (the key only as the record key, the original cut with a marker,
 * the reason saying so); one whose key alone is too long is sent {@linkplain DeadLetter#stripped
 * stripped}, without a record key. If the broker still refuses a letter as too large (the topic
 * holds less than configured here), it is sent stripped; if it refuses even that, the record is
 * skipped with an ERROR log that names it and {@code engram_dead_letters_skipped_total}, and the
 * batch goes on. Other failures (the broker unreachable) fail the publish, and so the batch, as
 * before.
 */
public final class KafkaDeadLetterSink implements DeadLetterSink {

    private static final Logger log = LoggerFactory.getLogger(KafkaDeadLetterSink.class);
    /** Room for the record batch header and the record's own framing, around key and value. */
    static final int RECORD_OVERHEAD_BYTES = 512;

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final int maxMessageBytes;
    private final Retry retry;
    private final CircuitBreaker breaker;
    private final TimeLimiter timeLimiter;
    private final ScheduledExecutorService scheduler;
    private final Executor blocking;
    private final NodeMetrics metrics;

    /**
     * A sink for {@link Topics#DEAD_LETTERS}, sized by its declared {@code max.message.bytes}.
     *
     * @param producer an idempotent producer with {@code acks=all}; closed with this sink
     * @param blocking where {@code send} runs (it may block on metadata)
     */
    public KafkaDeadLetterSink(
            Producer<String, byte[]> producer,
            Retry retry,
            CircuitBreaker breaker,
            TimeLimiter timeLimiter,
            ScheduledExecutorService scheduler,
            Executor blocking,
            NodeMetrics metrics) {
        this(
                producer,
                Topics.DEAD_LETTERS,
                Topics.spec(Topics.DEAD_LETTERS).maxMessageBytes(),
                retry,
                breaker,
                timeLimiter,
                scheduler,
                blocking,
                metrics);
    }

    /**
     * @param topic where the letters go
     * @param maxMessageBytes the largest record that topic holds ({@code max.message.bytes})
     */
    public KafkaDeadLetterSink(
            Producer<String, byte[]> producer,
            String topic,
            int maxMessageBytes,
            Retry retry,
            CircuitBreaker breaker,
            TimeLimiter timeLimiter,
            ScheduledExecutorService scheduler,
            Executor blocking,
            NodeMetrics metrics) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.maxMessageBytes = maxMessageBytes;
        this.retry = Objects.requireNonNull(retry, "retry");
        this.breaker = Objects.requireNonNull(breaker, "breaker");
        this.timeLimiter = Objects.requireNonNull(timeLimiter, "timeLimiter");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public CompletionStage<Void> publish(List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return retry.executeCompletionStage(
                scheduler,
                () -> breaker.executeCompletionStage(
                        () -> timeLimiter.executeCompletionStage(scheduler, () -> sendAll(letters))));
    }

    private CompletableFuture<Void> sendAll(List<DeadLetter> letters) {
        return Async.supply(
                        () -> {
                            List<CompletableFuture<Void>> acks = new ArrayList<>(letters.size());
                            for (DeadLetter letter : letters) {
                                acks.add(deliver(letter));
                            }
                            return acks;
                        },
                        blocking)
                .thenCompose(acks -> CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)));
    }

    /** Sends one letter in a shape the topic holds; completes normally also when it had to be skipped. */
    private CompletableFuture<Void> deliver(DeadLetter letter) {
        Fitted fitted = fitted(letter);
        if (fitted == null) {
            return skipped(
                    letter, "even stripped it is larger than the " + maxMessageBytes + " bytes " + topic + " holds");
        }
        return send(fitted.record()).exceptionallyCompose(failure -> {
            Throwable error = Async.unwrap(failure);
            if (!tooLarge(error)) {
                return CompletableFuture.failedFuture(error);
            }
            if (fitted.stripped()) {
                return skipped(letter, error.toString());
            }
            // The topic holds less than it was declared with: the last resort, off the producer's I/O thread.
            metrics.deadLetterShrunk();
            log.warn(
                    "the dead letter of {}-{}@{} was refused as too large ({}); sending it stripped",
                    letter.sourceTopic(),
                    letter.partition(),
                    letter.offset(),
                    error.toString());
            return CompletableFuture.supplyAsync(() -> send(stripped(letter)), blocking)
                    .thenCompose(sent -> sent)
                    .exceptionallyCompose(failure2 -> {
                        Throwable error2 = Async.unwrap(failure2);
                        return tooLarge(error2)
                                ? skipped(letter, error2.toString())
                                : CompletableFuture.failedFuture(error2);
                    });
        });
    }

    /** A record for a letter, and whether it is the last resort. */
    private record Fitted(ProducerRecord<String, byte[]> record, boolean stripped) {}

    /** The record for {@code letter}: whole when it fits, else shrunk or stripped; null when nothing fits. */
    private Fitted fitted(DeadLetter letter) {
        byte[] json = EventCodec.encode(letter);
        int keyBytes = letter.key() == null ? 0 : letter.key().getBytes(StandardCharsets.UTF_8).length;
        if (keyBytes + json.length + RECORD_OVERHEAD_BYTES <= maxMessageBytes) {
            return new Fitted(new ProducerRecord<>(topic, letter.key(), json), false);
        }
        metrics.deadLetterShrunk();
        try {
            DeadLetter shrunk = letter.shrunkTo(maxMessageBytes - RECORD_OVERHEAD_BYTES - keyBytes);
            log.warn(
                    "the dead letter of {}-{}@{} takes {} bytes with its key, more than {} holds ({}); sending it"
                            + " shrunk",
                    letter.sourceTopic(),
                    letter.partition(),
                    letter.offset(),
                    keyBytes + json.length,
                    topic,
                    maxMessageBytes);
            return new Fitted(new ProducerRecord<>(topic, letter.key(), EventCodec.encode(shrunk)), false);
        } catch (IllegalArgumentException keyTooLong) {
            ProducerRecord<String, byte[]> stripped = stripped(letter);
            log.warn(
                    "the dead letter of {}-{}@{} does not fit {} even shrunk (its key alone takes {} bytes); sending"
                            + " it stripped",
                    letter.sourceTopic(),
                    letter.partition(),
                    letter.offset(),
                    topic,
                    keyBytes);
            return stripped.value().length + RECORD_OVERHEAD_BYTES <= maxMessageBytes
                    ? new Fitted(stripped, true)
                    : null;
        }
    }

    private ProducerRecord<String, byte[]> stripped(DeadLetter letter) {
        return new ProducerRecord<>(topic, null, EventCodec.encode(letter.stripped()));
    }

    private CompletableFuture<Void> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    ack.complete(null);
                } else {
                    ack.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            ack.completeExceptionally(e); // e.g. larger than the producer's max.request.size
        }
        return ack;
    }

    private CompletableFuture<Void> skipped(DeadLetter letter, String why) {
        metrics.deadLetterSkipped();
        log.error(
                "SKIPPING record {}-{}@{} (key {} chars): its dead letter cannot be delivered to {} ({}); the record"
                        + " failed with: {}",
                letter.sourceTopic(),
                letter.partition(),
                letter.offset(),
                letter.key() == null ? 0 : letter.key().length(),
                topic,
                why,
                letter.reason());
        return CompletableFuture.completedFuture(null);
    }

    private static boolean tooLarge(Throwable error) {
        return error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException;
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
