package dev.engram.bench;

import dev.engram.streams.EventCodec;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.Topics;
import java.time.Instant;
import java.util.Random;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The cluster benchmarks' workload: texts drawn from a random vocabulary with Zipf-like word
 * frequencies (a few words common, most rare, as in real tasks), and feedback events made of them,
 * produced onto {@code engram.feedback}. Seeded: the same seed gives the same events and queries.
 */
final class SyntheticFeedback {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final String[] vocabulary;

    /** A vocabulary of {@code size} random words of 3 to 8 letters. */
    SyntheticFeedback(Random random, int size) {
        vocabulary = new String[size];
        for (int i = 0; i < size; i++) {
            StringBuilder w = new StringBuilder();
            for (int j = 0, len = 3 + random.nextInt(6); j < len; j++) {
                w.append((char) ('a' + random.nextInt(26)));
            }
            vocabulary[i] = w.toString();
        }
    }

    /** {@code n} words, Zipf-like: low indexes are common. */
    String words(Random random, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            s.append(i == 0 ? "" : " ").append(vocabulary[(int) (vocabulary.length * u * u * u)]);
        }
        return s.toString();
    }

    /**
     * Produces {@code events} feedback events (a 12-word task, a 30-word plan, an 8-word outcome, a
     * random reward, one second apart) onto {@code engram.feedback}, keyed by tenant, and flushes.
     *
     * @param eventId the event id of the i-th event
     * @param tenant the tenant of the i-th event
     */
    void produce(String bootstrap, int events, IntFunction<String> eventId, IntFunction<String> tenant, Random random) {
        try (KafkaProducer<String, byte[]> producer = KafkaClientFactory.producer(bootstrap)) {
            for (int i = 0; i < events; i++) {
                FeedbackEvent event = FeedbackEvent.of(
                        eventId.apply(i),
                        tenant.apply(i),
                        "agent",
                        START.plusSeconds(i),
                        words(random, 12),
                        words(random, 30),
                        words(random, 8),
                        random.nextInt(101) / 100.0,
                        null);
                producer.send(new ProducerRecord<>(Topics.FEEDBACK, event.tenant(), EventCodec.encode(event)));
            }
            producer.flush();
        }
    }
}
