package dev.engram.streams.internal;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * {@link Instant#parse} with a shortcut for the form {@link Instant#toString} writes
 * ({@code 2025-01-31T12:00:00Z}, {@code 2025-01-31T12:00:00.123Z}): {@code Instant.parse} builds a
 * new formatter on every call, which made it the largest single cost of decoding a feedback event.
 * Anything else (an offset, lower-case letters, a leap second, an invalid date) goes to
 * {@code Instant.parse}, so the result and every error are exactly its own.
 */
public final class IsoInstants {

    private static final int[] POW10 = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private IsoInstants() {}

    /**
     * The instant {@code text} denotes, as {@link Instant#parse} reads it.
     *
     * @throws DateTimeParseException as {@code Instant.parse} does
     */
    public static Instant parse(String text) {
        Instant canonical = canonical(text);
        return canonical != null ? canonical : Instant.parse(text);
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} with a valid date and time, or null for anything else. */
    private static Instant canonical(String s) {
        int n = s.length();
        if (n < 20
                || n == 21
                || n > 30
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(10) != 'T'
                || s.charAt(13) != ':'
                || s.charAt(16) != ':'
                || s.charAt(n - 1) != 'Z'
                || (n > 20 && s.charAt(19) != '.')) {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        int fraction = n > 20 ? digits(s, 20, n - 1) : 0;
        if (year < 0 || month < 0 || day < 0 || fraction < 0) {
            return null;
        }
        if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null; // 24:00 and leap seconds (:60) are Instant.parse's to judge
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null;
        }
        int nanos = n > 20 ? fraction * POW10[9 - (n - 21)] : 0;
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The decimal number in {@code s[from, to)}, or -1 when a character is not an ASCII digit. */
    private static int digits(String s, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
