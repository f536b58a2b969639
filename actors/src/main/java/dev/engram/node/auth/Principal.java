package dev.engram.node.auth;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Who a request acts as: the principal named by its API key, with the key's role and tenant scope.
 * The name is what pin, unpin and rollback record as their operator, and what the audit log shows.
 *
 * @param name who, e.g. {@code "alice"} or {@code "ci-bot"}: letters, digits, {@code . _ @ -}, at most
 *     {@value #MAX_NAME_CHARS} characters
 * @param role what it may do
 * @param tenants whose data it may touch
 */
public record Principal(String name, Role role, TenantScope tenants) {

    /** Longest principal name. */
    public static final int MAX_NAME_CHARS = 64;
    /** The rule for principal names. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1," + MAX_NAME_CHARS + "}");
    /** The name of requests without a key on a node that allows them ({@code allowAnonymous}). */
    public static final String ANONYMOUS = "anonymous";

    public Principal {
        requireName(name);
        Objects.requireNonNull(role, "principal.role is required");
        Objects.requireNonNull(tenants, "principal.tenants is required");
    }

    /**
     * Requests without a key on a loopback node that allows them: an operator on every tenant (it may
     * recall, read and steer adapters as before keys existed), but not an admin, so key management
     * always needs a real admin key.
     */
    public static Principal anonymous() {
        return new Principal(ANONYMOUS, Role.OPERATOR, TenantScope.ALL);
    }

    /** {@code true} when this principal's role includes {@code needed}. */
    public boolean may(Role needed) {
        return role.includes(needed);
    }

    /** {@code true} when this principal may act on {@code tenant}. */
    public boolean mayAccess(String tenant) {
        return tenants.allows(tenant);
    }

    /** Checks a principal name; throws {@link IllegalArgumentException} saying what is allowed. */
    public static String requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("principal must be 1-" + MAX_NAME_CHARS
                    + " letters, digits, '.', '_', '@' or '-', was '" + name + "'");
        }
        return name;
    }
}
