package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.List;

/**
 * An API key as the node describes it ({@code GET /v1/keys}): everything but the secret.
 *
 * @param id the key's public id; {@link EngramClient#revokeKey} takes it
 * @param principal who holds it; pin, unpin and rollback made with it are recorded under this name
 * @param role {@code reader}, {@code writer}, {@code operator} or {@code admin}
 * @param tenants the tenants it may act on, or {@code ["*"]} for every tenant
 * @param createdAt when it was made
 * @param createdBy the principal that made it ({@code "node"} for a node's first admin key)
 * @param lastUsedAt when it last authenticated on the node that listed it, since that node started;
 *     null when not since (or in the answer to a create or revoke)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ApiKeyInfo(
        String id,
        String principal,
        String role,
        List<String> tenants,
        Instant createdAt,
        String createdBy,
        Instant lastUsedAt) {

    public ApiKeyInfo {
        tenants = tenants == null ? List.of() : List.copyOf(tenants);
    }
}
