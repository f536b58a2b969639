package dev.engram.streams;

import dev.engram.streams.internal.FieldChecks;
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
    String sourceTopic,
    int partition,
    long offset,
    String key,
    byte[] original,
    String reason,
    Instant failedAt) {

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
    return new DeadLetter(record.topic(), record.partition(), record.offset(), record.key(), value,
        FieldChecks.fitReason(reason), failedAt);
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
