package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;

/**
 * One operator action from the node's audit log ({@code GET /v1/audit}).
 *
 * @param time when
 * @param principal who: the principal of the API key it was done with
 * @param role that key's role
 * @param action {@code adapter.pin}, {@code adapter.unpin}, {@code adapter.rollback}, {@code key.create}
 *     or {@code key.revoke}
 * @param target the adapter's name or the key's id
 * @param tenant whose adapter; null for key actions
 * @param reason the reason given, possibly empty
 * @param detail what exactly, e.g. {@code "version 3, published at offset 41"}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AuditRecord(
        Instant time,
        String principal,
        String role,
        String action,
        String target,
        String tenant,
        String reason,
        String detail) {}
