package dev.engram.streams.internal;

import dev.engram.streams.InvalidEventException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Field checks shared by the continual-loop records (training jobs, adapters, their chunks), each
 * failing with an {@link InvalidEventException} that names the field. Complements
 * {@link FieldChecks}, which the feedback records use.
 */
public final class ChunkChecks {

    /** A lower-case hex SHA-256: 64 characters. */
    public static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private ChunkChecks() {}

    /** A required text matching {@code pattern}; {@code rule} says in words what it must look like. */
    public static void requireMatch(String field, String value, Pattern pattern, String rule) {
        if (value == null) {
            throw new InvalidEventException(field, "is required");
        }
        if (!pattern.matcher(value).matches()) {
            throw new InvalidEventException(field, "must be " + rule + ", was " + FieldChecks.quote(value));
        }
    }

    /** A required lower-case hex SHA-256. */
    public static void requireSha256(String field, String value) {
        requireMatch(field, value, SHA256_HEX, "a SHA-256 as 64 lower-case hex digits");
    }

    /** A required value. */
    public static <T> T requireNonNull(String field, T value) {
        if (value == null) {
            throw new InvalidEventException(field, "is required");
        }
        return value;
    }

    /** {@code value >= min}. */
    public static void atLeast(String field, long value, long min) {
        if (value < min) {
            throw new InvalidEventException(field, "must be >= " + min + ", was " + value);
        }
    }

    /** A finite {@code value} in [{@code min}, {@code max}]. */
    public static void finiteIn(String field, double value, double min, double max) {
        if (!Double.isFinite(value) || value < min || value > max) {
            throw new InvalidEventException(
                    field, "must be a finite number in [" + min + ", " + max + "], was " + value);
        }
    }

    /**
     * An immutable copy of a list with no null entries and at most {@code max} of them; null becomes
     * empty when {@code min} is 0.
     */
    public static <T> List<T> list(String field, List<T> values, int min, int max) {
        if (values == null) {
            if (min > 0) {
                throw new InvalidEventException(field, "is required (at least " + min + " entries)");
            }
            return List.of();
        }
        if (values.size() < min) {
            throw new InvalidEventException(field, "needs at least " + min + " entries, had " + values.size());
        }
        if (values.size() > max) {
            throw new InvalidEventException(field, "at most " + max + " entries allowed, had " + values.size());
        }
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == null) {
                throw new InvalidEventException(field + "[" + i + "]", "must not be null");
            }
        }
        return List.copyOf(values);
    }
}
