package dev.engram.node.auth;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * What a key may do, each role including the ones below it: {@code reader < writer < operator < admin}.
 *
 * <ul>
 *   <li>{@link #READER}: recall, list adapters, read metrics.
 *   <li>{@link #WRITER}: also send feedback where the HTTP API takes it (today feedback goes to Kafka,
 *       whose own ACLs guard it, so a writer can do what a reader can).
 *   <li>{@link #OPERATOR}: also pin, unpin and roll back adapters, and read the audit log.
 *   <li>{@link #ADMIN}: also create, list and revoke API keys.
 * </ul>
 */
public enum Role {
    READER,
    WRITER,
    OPERATOR,
    ADMIN;

    /** The lower-case name used on the wire and in {@code keys.json}. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code true} when this role may do what {@code needed} may. */
    public boolean includes(Role needed) {
        return compareTo(needed) >= 0;
    }

    /** Parses {@code reader}, {@code writer}, {@code operator} or {@code admin} (any case). */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Role parse(String text) {
        if (text != null) {
            for (Role r : values()) {
                if (r.wireName().equalsIgnoreCase(text.strip())) {
                    return r;
                }
            }
        }
        throw new IllegalArgumentException("role must be one of "
                + Arrays.stream(values()).map(Role::wireName).toList() + ", was '" + text + "'");
    }
}
