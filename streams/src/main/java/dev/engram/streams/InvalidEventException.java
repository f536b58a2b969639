package dev.engram.streams;

import java.util.Objects;

/**
 * An event (or a part of one) broke the wire contract: a required field is missing, a value has
 * the wrong type or is out of range, a text is over its {@link EventLimits limit}, or the bytes are
 * not JSON at all.
 *
 * <p>The message always starts with the offending field, then says why, for example
 * {@code "reward: must be in [0, 1], was 1.5"} or {@code "retrieved[2].rank: must be >= 1, was 0"}.
 * Problems with the document as a whole (malformed JSON, too large) use the field {@code "json"}.
 * Consumers put this message into the {@link DeadLetter#reason() dead letter}.
 */
public final class InvalidEventException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;

    /**
     * @param field the field that is wrong, as a JSON path ({@code "tenant"}, {@code "retrieved[0].caseId"})
     * @param reason why, in words meant for the person who produced the event
     */
    public InvalidEventException(String field, String reason) {
        this(field, reason, null);
    }

    /**
     * @param field the field that is wrong, as a JSON path
     * @param reason why, in words meant for the person who produced the event
     * @param cause the underlying parse error, if any
     */
    public InvalidEventException(String field, String reason, Throwable cause) {
        super(Objects.requireNonNull(field, "field") + ": " + Objects.requireNonNull(reason, "reason"), cause);
        this.field = field;
        this.reason = reason;
    }

    /** The offending field as a JSON path, e.g. {@code "reward"} or {@code "retrieved[3].caseId"}. */
    public String field() {
        return field;
    }

    /** Why the field was rejected, without the field name. */
    public String reason() {
        return reason;
    }

    /**
     * The same problem seen from an enclosing object: {@code within("retrieved[2]")} turns field
     * {@code "rank"} into {@code "retrieved[2].rank"}.
     */
    public InvalidEventException within(String parentPath) {
        return new InvalidEventException(parentPath + "." + field, reason, getCause());
    }
}
