package dev.engram.streams;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * The size and shape limits of the wire contract, in one place. Every event record checks them in
 * its constructor, and {@link EventCodec} checks the encoded size, so an event that breaks one is
 * rejected before it can reach the memory (consumers route it to {@link Topics#DEAD_LETTERS}).
 *
 * <p>Text lengths count Java {@code char}s (UTF-16 code units); a character outside the Basic
 * Multilingual Plane counts as two.
 */
public final class EventLimits {

    /** Longest {@code eventId}, {@code agentId} and {@code caseId}: 128 characters. */
    public static final int MAX_ID_CHARS = 128;

    /** Longest {@code tenant}: 64 characters (also enforced by {@link #TENANT_PATTERN}). */
    public static final int MAX_TENANT_CHARS = 64;

    /** What a tenant name looks like: lower-case letters, digits, {@code _} and {@code -}, starting with a letter or digit. */
    public static final String TENANT_REGEX = "[a-z0-9][a-z0-9_-]{0,63}";

    /** {@link #TENANT_REGEX}, compiled. */
    public static final Pattern TENANT_PATTERN = Pattern.compile(TENANT_REGEX);

    /** Longest {@code task} (the state or query text): 16,384 characters. */
    public static final int MAX_TASK_CHARS = 16_384;

    /** Longest {@code plan} (what the agent did): 32,768 characters. */
    public static final int MAX_PLAN_CHARS = 32_768;

    /** Longest {@code outcome} (what came of it): 32,768 characters. */
    public static final int MAX_OUTCOME_CHARS = 32_768;

    /** Most entries in {@code retrieved}: 100. */
    public static final int MAX_RETRIEVED = 100;

    /** Largest encoded feedback event: 256 KiB of UTF-8 JSON. */
    public static final int MAX_EVENT_JSON_BYTES = 256 * 1024;

    /** Longest dead-letter {@code reason}: 4,096 characters ({@link DeadLetter#of} truncates to it). */
    public static final int MAX_REASON_CHARS = 4_096;

    /**
     * Earliest {@code timestamp}: the earliest instant an epoch millisecond (a Java {@code long}) can
     * hold, about 292 million years BCE. The case store keeps timestamps as epoch milliseconds, so an
     * event outside this range would pass the codec and break the store write.
     */
    public static final Instant MIN_TIMESTAMP = Instant.ofEpochMilli(Long.MIN_VALUE);

    /** Latest {@code timestamp}: the latest instant an epoch millisecond can hold (year 292,278,994). */
    public static final Instant MAX_TIMESTAMP = Instant.ofEpochMilli(Long.MAX_VALUE);

    /** Longest Kafka topic name, as Kafka itself limits it: 249 characters. */
    public static final int MAX_TOPIC_CHARS = 249;

    private EventLimits() {}
}
