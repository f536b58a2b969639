package dev.engram.streams;

import dev.engram.streams.internal.FieldChecks;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A record that could not be processed, parked on {@link Topics#DEAD_LETTERS} with where it came
 * from and why, so a poison record never stops its partition and nothing is silently dropped.
 *
 * <pre>{@code
 * catch (InvalidEventException e) {
 *   producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS, record.key(),
 *       EventCodec.encode(DeadLetter.of(record, e.getMessage(), clock.instant()))));
 * }
 * }</pre>
 *
 * <p>{@code original} is kept byte for byte (JSON carries it base64-encoded); the record copies it
 * on the way in and out, and compares it by content.
 *
 * @param sourceTopic the topic the record was read from
 * @param partition its partition, >= 0
 * @param offset its offset, >= 0
 * @param key its key, possibly null
 * @param original its value exactly as read (empty for a null value)
 * @param reason why it failed, at most {@link EventLimits#MAX_REASON_CHARS} characters
 * @param failedAt when it failed
 */
public record DeadLetter(
        String sourceTopic, int partition, long offset, String key, byte[] original, String reason, Instant failedAt) {

    /**
     * What follows the kept prefix of an {@code original} that {@link #shrunkTo} cut, so that a
     * reader of the bytes alone sees that they are not the whole record.
     */
    public static final String TRUNCATION_MARKER = "...[truncated by engram]";

    public DeadLetter {
        FieldChecks.requireText("sourceTopic", sourceTopic, EventLimits.MAX_TOPIC_CHARS);
        if (partition < 0) {
            throw new InvalidEventException("partition", "must be >= 0, was " + partition);
        }
        if (offset < 0) {
            throw new InvalidEventException("offset", "must be >= 0, was " + offset);
        }
        if (original == null) {
            throw new InvalidEventException("original", "is required (use an empty array for a null value)");
        }
        original = original.clone();
        FieldChecks.requireText("reason", reason, EventLimits.MAX_REASON_CHARS);
        if (failedAt == null) {
            throw new InvalidEventException("failedAt", "is required");
        }
    }

    /**
     * The dead letter for a consumed record; a reason over {@link EventLimits#MAX_REASON_CHARS} is
     * cut to fit and a blank one becomes {@code "unknown"}, so building it never fails on the reason.
     */
    public static DeadLetter of(ConsumerRecord<String, byte[]> record, String reason, Instant failedAt) {
        byte[] value = record.value() == null ? new byte[0] : record.value();
        return new DeadLetter(
                record.topic(),
                record.partition(),
                record.offset(),
                record.key(),
                value,
                FieldChecks.fitReason(reason),
                failedAt);
    }

    /**
     * This letter made small enough that its JSON ({@link EventCodec#encode(DeadLetter)}) takes at
     * most {@code maxJsonBytes}, for a dead-letter topic that cannot hold it whole. First the key
     * is left out of the JSON: the record that carries a dead letter has the original key as its
     * record key, so it need not travel twice. If that is not enough, {@code original} is cut to a
     * prefix followed by {@link #TRUNCATION_MARKER}. The reason says what was done (it keeps its
     * first part, e.g. {@code "json: ..."}, so it still names the field or stage); the record
     * itself stays readable at {@code sourceTopic/partition/offset} while the topic retains it.
     *
     * <pre>{@code
     * DeadLetter fits = letter.shrunkTo(maxMessageBytes - keyBytes - 512);
     * producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS, letter.key(), EventCodec.encode(fits)));
     * }</pre>
     *
     * @return a letter without key whose JSON is at most {@code maxJsonBytes}
     * @throws IllegalArgumentException when even a letter whose original is only the marker does
     *     not fit (the caller then has to drop more, or skip it)
     */
    public DeadLetter shrunkTo(int maxJsonBytes) {
        DeadLetter keyless = new DeadLetter(
                sourceTopic,
                partition,
                offset,
                null,
                original,
                noted(reason, "; dead letter shrunk to fit its topic: the key travels only as the record key"),
                failedAt);
        if (EventCodec.encode(keyless).length <= maxJsonBytes) {
            return keyless;
        }
        byte[] marker = TRUNCATION_MARKER.getBytes(StandardCharsets.UTF_8);
        // The JSON without any original bytes, with the longest note a cut can need.
        int overhead = EventCodec.encode(cut(new byte[0], original.length)).length;
        int keep = Math.min(original.length, (maxJsonBytes - overhead) / 4 * 3 - marker.length);
        while (keep >= 0) {
            byte[] prefix = Arrays.copyOf(original, keep + marker.length);
            System.arraycopy(marker, 0, prefix, keep, marker.length);
            DeadLetter shrunk = cut(prefix, keep);
            if (EventCodec.encode(shrunk).length <= maxJsonBytes) {
                return shrunk;
            }
            keep = keep == 0 ? -1 : Math.max(0, keep - 3); // base64 rounds up to 4 characters per 3 bytes
        }
        throw new IllegalArgumentException("a dead letter of " + sourceTopic + "-" + partition + "@" + offset
                + " cannot be shrunk to " + maxJsonBytes + " bytes of JSON: its coordinates, reason and the"
                + " truncation marker alone take about " + (overhead + 4 * ((marker.length + 2) / 3)));
    }

    /**
     * This letter with neither key nor original: only where the record is and why it failed. The
     * last resort for a dead-letter topic that cannot hold even a {@link #shrunkTo shrunk} letter
     * (e.g. the record key alone is too long for it); send it without a record key. The reason says
     * so and where to read the record.
     */
    public DeadLetter stripped() {
        return new DeadLetter(
                sourceTopic,
                partition,
                offset,
                null,
                new byte[0],
                noted(
                        reason,
                        "; dead letter stripped to fit its topic: key and original left out (read them at "
                                + sourceTopic + "-" + partition + "@" + offset + ")"),
                failedAt);
    }

    private DeadLetter cut(byte[] kept, int keptBytes) {
        return new DeadLetter(
                sourceTopic,
                partition,
                offset,
                null,
                kept,
                noted(
                        reason,
                        "; dead letter shrunk to fit its topic: the key travels only as the record key, and"
                                + " original is its first " + keptBytes + " of " + original.length
                                + " bytes followed by "
                                + TRUNCATION_MARKER),
                failedAt);
    }

    /** {@code reason} with {@code note} appended, the reason cut so that both fit the limit. */
    private static String noted(String reason, String note) {
        int room = EventLimits.MAX_REASON_CHARS - note.length();
        String head = reason.length() <= room ? reason : reason.substring(0, Math.max(0, room - 3)) + "...";
        return head + note;
    }

    /** A copy of the original bytes. */
    @Override
    public byte[] original() {
        return original.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d
                && partition == d.partition
                && offset == d.offset
                && sourceTopic.equals(d.sourceTopic)
                && Objects.equals(key, d.key)
                && Arrays.equals(original, d.original)
                && reason.equals(d.reason)
                && failedAt.equals(d.failedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sourceTopic, partition, offset, key, Arrays.hashCode(original), reason, failedAt);
    }

    @Override
    public String toString() {
        String shown = original.length <= 96
                ? Base64.getEncoder().encodeToString(original)
                : Base64.getEncoder().encodeToString(Arrays.copyOf(original, 72)) + "...";
        return "DeadLetter[" + sourceTopic + "-" + partition + "@" + offset + ", key=" + key
                + ", original=" + original.length + " bytes (base64 " + shown + "), reason=" + reason
                + ", failedAt=" + failedAt + "]";
    }
}
