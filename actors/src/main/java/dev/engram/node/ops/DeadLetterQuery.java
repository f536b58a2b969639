package dev.engram.node.ops;

import java.util.Locale;

/**
 * Which dead letters to answer: those whose reason contains {@code reason} (ignoring case) and
 * whose tenant is {@code tenant}, the newest {@code limit}.
 *
 * @param reason a part of the reason, or null for any
 * @param tenant a tenant, or null for any the caller may see
 * @param limit 1 to {@link #MAX_LIMIT}
 */
public record DeadLetterQuery(String reason, String tenant, int limit) {

    /** Dead letters answered when a request names no limit. */
    public static final int DEFAULT_LIMIT = 50;
    /** Most dead letters one request can ask for. */
    public static final int MAX_LIMIT = 1_000;

    public DeadLetterQuery {
        reason = reason == null || reason.isBlank() ? null : reason.strip();
        tenant = tenant == null || tenant.isBlank() ? null : tenant.strip();
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit: must be in [1, " + MAX_LIMIT + "], was " + limit);
        }
    }

    boolean matches(DeadLetterEntry entry) {
        return (tenant == null || tenant.equals(entry.tenant()))
                && (reason == null
                        || entry.reason().toLowerCase(Locale.ROOT).contains(reason.toLowerCase(Locale.ROOT)));
    }
}
