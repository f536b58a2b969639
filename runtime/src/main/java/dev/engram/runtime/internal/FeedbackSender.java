package dev.engram.runtime.internal;

import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.FeedbackTopicLayout;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * The SDK's side of {@code engram.feedback}: writes each event, keyed by its tenant, to the topic
 * its layout names, on a producer made on first use (a client that only recalls never opens a
 * Kafka connection). Thread-safe.
 */
public final class FeedbackSender implements AutoCloseable {

    private final KafkaConnection kafka;
    private final FeedbackTopicLayout layout;
    private final Duration sendTimeout;
    private KafkaProducer<String, byte[]> producer;
    private boolean closed;

    /** @param kafka null when the client has no bootstrap servers: every send then says so */
    public FeedbackSender(KafkaConnection kafka, FeedbackTopicLayout layout, Duration sendTimeout) {
        this.kafka = kafka;
        this.layout = layout;
        this.sendTimeout = sendTimeout;
    }

    /**
     * Sends {@code event} and waits until Kafka has acknowledged it.
     *
     * @return its event id
     * @throws KafkaException when it could not be written within the send timeout
     */
    public String send(FeedbackEvent event) {
        try {
            return sendAsync(event).get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while sending feedback " + event.eventId(), e);
        } catch (ExecutionException e) {
            throw new KafkaException(
                    "could not send feedback " + event.eventId() + " to "
                            + layout.topicFor(event.tenant()) + ": "
                            + e.getCause().getMessage() + " (resend the same Feedback: it is recorded once)",
                    e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException(
                    "feedback " + event.eventId() + " not acknowledged within " + sendTimeout
                            + " (is Kafka reachable at " + kafka.bootstrapServers()
                            + "? resend the same Feedback: it is recorded once)",
                    e);
        }
    }

    /** Sends {@code event} without waiting; completes with its event id once Kafka acknowledged it. */
    public CompletableFuture<String> sendAsync(FeedbackEvent event) {
        byte[] json = EventCodec.encode(event);
        CompletableFuture<String> done = new CompletableFuture<>();
        producer()
                .send(
                        new ProducerRecord<>(layout.topicFor(event.tenant()), event.tenant(), json),
                        (metadata, error) -> {
                            if (error == null) {
                                done.complete(event.eventId());
                            } else {
                                done.completeExceptionally(error);
                            }
                        });
        return done;
    }

    /** Closes the producer, after sending what is pending; later sends are refused. */
    @Override
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (closed) {
            throw new IllegalStateException("this EngramClient is closed");
        }
        if (kafka == null) {
            throw new IllegalStateException("feedback needs Kafka: build the client with bootstrapServers(...)");
        }
        if (producer == null) {
            producer = KafkaClientFactory.producer(kafka);
        }
        return producer;
    }
}
