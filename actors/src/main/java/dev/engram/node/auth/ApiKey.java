package dev.engram.node.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * An API key as the node describes it: everything but the secret, which only its holder has (the
 * node keeps its SHA-256). This is what {@code GET /v1/keys} lists.
 *
 * @param id the key's public id (12 hex digits), also the second part of the key
 *     itself, so a key can be revoked by id without being shown
 * @param principal who holds it
 * @param role what it may do
 * @param tenants whose data it may touch
 * @param createdAt when it was created
 * @param createdBy the principal that created it ({@code "node"} for the admin key a node creates
 *     on first start)
 */
public record ApiKey(String id, String principal, Role role, TenantScope tenants, Instant createdAt, String createdBy) {

    public ApiKey {
        Objects.requireNonNull(id, "apiKey.id is required");
        Principal.requireName(principal);
        Objects.requireNonNull(role, "apiKey.role is required");
        Objects.requireNonNull(tenants, "apiKey.tenants is required");
        Objects.requireNonNull(createdAt, "apiKey.createdAt is required");
        Objects.requireNonNull(createdBy, "apiKey.createdBy is required");
    }

    /** The principal a request with this key acts as. */
    public Principal toPrincipal() {
        return new Principal(principal, role, tenants);
    }
}
