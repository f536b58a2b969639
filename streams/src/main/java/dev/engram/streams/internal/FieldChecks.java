package dev.engram.streams.internal;

import dev.engram.streams.EventLimits;
import dev.engram.streams.InvalidEventException;

/** The field checks that the event records share, each failing with the field's name. */
public final class FieldChecks {

    private FieldChecks() {}

    /**
     * A schema version this reader understands: from 1 up to {@code newest}. A newer one is reported
     * as such, so that an event from a newer producer does not surface as a puzzling field error.
     */
    public static void requireSchemaVersion(String field, int version, int newest) {
        if (version > newest) {
            throw new InvalidEventException(
                    field,
                    "version " + version + " is newer than this reader understands (up to " + newest
                            + "); upgrade Engram to read it");
        }
        if (version < 1) {
            throw new InvalidEventException(field, "must be >= 1, was " + version);
        }
    }

    /** A required, non-blank text of at most {@code maxChars}. */
    public static void requireText(String field, String value, int maxChars) {
        if (value == null) {
            throw new InvalidEventException(field, "is required");
        }
        if (value.isBlank()) {
            throw new InvalidEventException(field, "must not be blank");
        }
        checkLength(field, value, maxChars);
    }

    /** An optional text of at most {@code maxChars}; null becomes {@code ""}. */
    public static String optionalText(String field, String value, int maxChars) {
        if (value == null) {
            return "";
        }
        checkLength(field, value, maxChars);
        return value;
    }

    /** A tenant name matching {@link EventLimits#TENANT_PATTERN}. */
    public static void requireTenant(String field, String value) {
        if (value == null) {
            throw new InvalidEventException(field, "is required");
        }
        if (!EventLimits.TENANT_PATTERN.matcher(value).matches()) {
            throw new InvalidEventException(
                    field,
                    "must match " + EventLimits.TENANT_REGEX
                            + " (lower-case letters, digits, '_' and '-', at most " + EventLimits.MAX_TENANT_CHARS
                            + " characters), was " + quote(value));
        }
    }

    /** A dead-letter reason cut to {@link EventLimits#MAX_REASON_CHARS}; blank becomes "unknown". */
    public static String fitReason(String reason) {
        if (reason == null || reason.isBlank()) {
            return "unknown";
        }
        if (reason.length() <= EventLimits.MAX_REASON_CHARS) {
            return reason;
        }
        String marker = " ...[truncated]";
        return reason.substring(0, EventLimits.MAX_REASON_CHARS - marker.length()) + marker;
    }

    private static void checkLength(String field, String value, int maxChars) {
        if (value.length() > maxChars) {
            throw new InvalidEventException(
                    field, "at most " + maxChars + " characters allowed, was " + value.length());
        }
    }

    /** A value quoted for an error message, shortened so a huge input does not flood the log. */
    static String quote(String value) {
        return value.length() <= 80 ? "'" + value + "'" : "'" + value.substring(0, 77) + "...'";
    }
}
