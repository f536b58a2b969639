package dev.engram.node.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.EventCodec;
import dev.engram.streams.EventLimits;
import dev.engram.streams.KafkaClientFactory;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the newest records of {@code engram.dead-letters} on request, with a consumer of its own
 * that lives for one request (no group, nothing committed): the topic is the record of what
 * failed, so the answer is always what it holds now, on any node.
 *
 * <pre>{@code
 * DeadLetterPage page = reader.read(new DeadLetterQuery("reward", "acme", 20), tenant -> true);
 * }</pre>
 *
 * <p>Bounded: at most {@link #MAX_SCAN} records from the end of the topic and {@link #MAX_SCAN_BYTES}
 * of them are read per request, and each payload is answered up to {@link #MAX_PAYLOAD_BYTES}; a
 * letter older than that is still on the topic, at the coordinates the newer ones show.
 */
public final class DeadLetterReader {

    /** Most records read from the end of the topic for one request. */
    public static final int MAX_SCAN = 5_000;
    /** Most bytes of records read for one request: 64 MiB. */
    public static final long MAX_SCAN_BYTES = 64L * 1024 * 1024;
    /** Most bytes of one payload in an answer: 64 KiB. */
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    private final KafkaConnection kafka;
    private final Duration timeout;

    /** @param timeout how long one request may take to read the topic */
    public DeadLetterReader(KafkaConnection kafka, Duration timeout) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * The newest dead letters that match {@code query} and whose tenant {@code visible} accepts (a
     * letter whose tenant is unknown is tested as {@code null}).
     *
     * @throws IllegalStateException when the topic cannot be read within the timeout
     */
    public DeadLetterPage read(DeadLetterQuery query, Predicate<String> visible) {
        List<DeadLetterEntry> matching = new ArrayList<>();
        long scanned = 0;
        long unreadable = 0;
        long total = 0;
        long bytes = 0;
        try (KafkaConsumer<String, byte[]> consumer = KafkaClientFactory.consumer(kafka, null)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DEAD_LETTERS, timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long perPartition = Math.max(1, MAX_SCAN / Math.max(1, partitions.size()));
            for (TopicPartition tp : partitions) {
                total += end.get(tp) - begin.get(tp);
                consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - perPartition));
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (bytes < MAX_SCAN_BYTES && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + Topics.DEAD_LETTERS + " to its end " + end
                            + " within " + timeout + " (is the broker reachable?)");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= end.get(tp)) {
                        continue; // written after this request began
                    }
                    scanned++;
                    bytes += r.value() == null ? 0 : r.value().length;
                    DeadLetterEntry entry = entry(r);
                    if (entry == null) {
                        unreadable++;
                    } else if (query.matches(entry) && visible.test(entry.tenant())) {
                        matching.add(entry);
                    }
                }
            }
        }
        matching.sort(Comparator.comparing(DeadLetterEntry::failedAt)
                .thenComparing(DeadLetterEntry::offset)
                .reversed());
        return new DeadLetterPage(
                matching.subList(0, Math.min(query.limit(), matching.size())), scanned, total, unreadable);
    }

    private static DeadLetterEntry entry(ConsumerRecord<String, byte[]> record) {
        DeadLetter letter;
        try {
            letter = EventCodec.decodeDeadLetter(record.value());
        } catch (RuntimeException e) {
            return null;
        }
        byte[] original = letter.original();
        String key = letter.key() != null ? letter.key() : record.key();
        byte[] shown = original.length > MAX_PAYLOAD_BYTES ? Arrays.copyOf(original, MAX_PAYLOAD_BYTES) : original;
        String text = utf8(shown, shown.length < original.length);
        return new DeadLetterEntry(
                record.partition(),
                record.offset(),
                letter.failedAt(),
                letter.sourceTopic(),
                letter.partition(),
                letter.offset(),
                key,
                tenant(letter.sourceTopic(), original, key),
                letter.reason(),
                original.length,
                text == null ? "base64" : "utf-8",
                text == null ? Base64.getEncoder().encodeToString(shown) : text,
                shown.length < original.length);
    }

    /** The record's tenant: a per-tenant topic names it (and Kafka's ACLs vouch for it), else the payload or key. */
    static String tenant(String sourceTopic, byte[] original, String key) {
        if (sourceTopic.startsWith(Topics.TENANT_FEEDBACK_PREFIX)) {
            String fromTopic = sourceTopic.substring(Topics.TENANT_FEEDBACK_PREFIX.length());
            if (EventLimits.TENANT_PATTERN.matcher(fromTopic).matches()) {
                return fromTopic;
            }
        }
        try {
            JsonNode tenant = EventCodec.mapper().readTree(original).get("tenant");
            if (tenant != null
                    && tenant.isTextual()
                    && EventLimits.TENANT_PATTERN.matcher(tenant.asText()).matches()) {
                return tenant.asText();
            }
        } catch (Exception e) {
            // not JSON, or not an object: the key may still say
        }
        return key != null && EventLimits.TENANT_PATTERN.matcher(key).matches() ? key : null;
    }

    /** The bytes as text when they are valid UTF-8 ({@code cut}: a character split at the end counts as valid). */
    private static String utf8(byte[] bytes, boolean cut) {
        for (int drop = 0; drop <= (cut ? 3 : 0) && drop <= bytes.length; drop++) {
            try {
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, 0, bytes.length - drop))
                        .toString();
            } catch (CharacterCodingException e) {
                // try without the last byte(s): the 64 KiB cut may split a character
            }
        }
        return null;
    }
}
