package dev.engram.node.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Objects;

/**
 * One operator action, as {@code DATA/audit.jsonl} keeps it and {@code GET /v1/audit} lists it.
 *
 * @param time when it was done
 * @param principal who did it (the authenticated principal, never a name the caller typed)
 * @param role the role of the key it was done with
 * @param action what: {@code adapter.pin}, {@code adapter.unpin}, {@code adapter.rollback},
 *     {@code key.create}, {@code key.revoke}
 * @param target on what: the adapter's name, or the key's id
 * @param tenant whose adapter it was; absent for key actions and adapters this node has not seen
 * @param reason the reason the caller gave, possibly empty
 * @param detail what exactly, e.g. {@code "version 3, published at offset 41"} or
 *     {@code "principal ci-bot, role reader, tenants acme"}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEntry(
        Instant time,
        String principal,
        Role role,
        String action,
        String target,
        String tenant,
        String reason,
        String detail) {

    /** Pinning an adapter version. */
    public static final String ADAPTER_PIN = "adapter.pin";
    /** Unpinning an adapter. */
    public static final String ADAPTER_UNPIN = "adapter.unpin";
    /** Rolling an adapter back. */
    public static final String ADAPTER_ROLLBACK = "adapter.rollback";
    /** Creating an API key. */
    public static final String KEY_CREATE = "key.create";
    /** Revoking an API key. */
    public static final String KEY_REVOKE = "key.revoke";

    public AuditEntry {
        Objects.requireNonNull(time, "auditEntry.time is required");
        Objects.requireNonNull(principal, "auditEntry.principal is required");
        Objects.requireNonNull(action, "auditEntry.action is required");
        Objects.requireNonNull(target, "auditEntry.target is required");
        reason = reason == null ? "" : reason;
    }
}
