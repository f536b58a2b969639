package dev.engram.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.node.auth.ApiKey;
import dev.engram.node.auth.ApiKeys;
import dev.engram.node.auth.AuditEntry;
import dev.engram.node.auth.AuditLog;
import dev.engram.node.auth.IssuedKey;
import dev.engram.node.auth.LastAdminKeyException;
import dev.engram.node.auth.Principal;
import dev.engram.node.auth.Role;
import dev.engram.node.auth.TenantScope;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Key management on the node's HTTP API, for admins. A new key's secret is in the 201 answer and
 * nowhere else (the node keeps its hash); creating and revoking are recorded in the audit log.
 *
 * <pre>
 * POST   /v1/keys       {"principal": "ci-bot", "role": "reader", "tenants": ["acme"]}
 *                       -> 201 {"key": "egk_...", "id", "principal", "role", "tenants", "createdAt", "createdBy"}
 * GET    /v1/keys       -> 200 {"keys": [{@link ApiKey} and "lastUsedAt"]}   (no secrets, no hashes; lastUsedAt:
 *                       when the key last authenticated on this node since it started, or null)
 * DELETE /v1/keys/{id}  -> 200 {"revoked": {@link ApiKey}}, 404 when there is none, 409 for the last admin key
 * </pre>
 *
 * <p>{@code tenants} defaults to {@code ["*"]}; an admin can only hand out tenants it has itself.
 */
public final class KeyRoutes extends AllDirectives {

    private static final Set<String> FIELDS = Set.of("principal", "role", "tenants");
    private static final String EXAMPLE = "{\"principal\": \"ci-bot\", \"role\": \"reader\", \"tenants\": [\"acme\"]}";

    private final ApiKeys keys;
    private final AuditLog audit;
    private final HttpAccess access;
    private final Executor blocking;
    private final Clock clock;

    /** @param blocking where the keys file and the audit log are written */
    public KeyRoutes(ApiKeys keys, AuditLog audit, HttpAccess access, Executor blocking, Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.access = Objects.requireNonNull(access, "access");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Route routes() {
        return concat(
                path(
                        PathMatchers.segment("v1").slash("keys"),
                        () -> concat(
                                post(() -> access.require(
                                        Role.ADMIN,
                                        "creating keys",
                                        admin -> RequestBody.read(body -> create(admin, body)))),
                                get(() -> access.require(
                                        Role.ADMIN,
                                        "listing keys",
                                        admin -> complete(
                                                JsonResponses.json(StatusCodes.OK, Map.of("keys", listed()))))),
                                JsonResponses.methodNotAllowed("POST or GET"))),
                path(
                        PathMatchers.segment("v1").slash("keys").slash(PathMatchers.segment()),
                        id -> concat(
                                delete(() -> access.require(Role.ADMIN, "revoking keys", admin -> revoke(admin, id))),
                                JsonResponses.methodNotAllowed("DELETE"))));
    }

    /** Each key as {@link ApiKey} describes it, with when it was last used on this node. */
    private List<Map<String, Object>> listed() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ApiKey key : keys.list()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> view = new LinkedHashMap<>(ApiJson.mapper().convertValue(key, Map.class));
            view.put("lastUsedAt", keys.lastUsed(key.id()).orElse(null));
            out.add(view);
        }
        return out;
    }

    private Route create(Principal admin, String body) {
        String principal;
        Role role;
        TenantScope tenants;
        try {
            ObjectNode request = ApiJson.readObject(body, FIELDS, EXAMPLE);
            principal = text(request, "principal");
            try {
                Principal.requireName(principal);
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("principal", e.getMessage());
            }
            try {
                role = Role.parse(text(request, "role"));
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("role", e.getMessage());
            }
            tenants = tenants(request.get("tenants"));
        } catch (BadRequestException e) {
            return complete(JsonResponses.json(StatusCodes.BAD_REQUEST, e.toError()));
        }
        if (!admin.tenants().covers(tenants)) {
            return complete(JsonResponses.error(
                    StatusCodes.FORBIDDEN,
                    "principal '" + admin.name() + "' may hand out " + "only its own tenants (" + admin.tenants()
                            + "), not " + tenants,
                    "tenants"));
        }
        return offload(() -> {
            IssuedKey issued = keys.create(principal, role, tenants, admin.name());
            ApiKey key = issued.key();
            audit.record(new AuditEntry(
                    clock.instant(),
                    admin.name(),
                    admin.role(),
                    AuditEntry.KEY_CREATE,
                    key.id(),
                    null,
                    "",
                    "principal " + key.principal() + ", role " + key.role().wireName() + ", tenants " + key.tenants()));
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("key", issued.secret());
            answer.putAll(ApiJson.mapper().convertValue(key, Map.class));
            answer.put("note", "this is the only time the key is shown; the node keeps only its hash");
            return JsonResponses.json(StatusCodes.CREATED, answer);
        });
    }

    private Route revoke(Principal admin, String id) {
        Optional<ApiKey> existing = keys.get(id);
        if (existing.isEmpty()) {
            return complete(JsonResponses.error(
                    StatusCodes.NOT_FOUND, "no key with id '" + id + "' (GET /v1/keys lists them)", "id"));
        }
        if (!admin.tenants().covers(existing.get().tenants())) {
            return complete(JsonResponses.error(
                    StatusCodes.FORBIDDEN,
                    "principal '" + admin.name() + "' may revoke " + "only keys within its own tenants ("
                            + admin.tenants() + ")",
                    "tenants"));
        }
        return offload(() -> {
            Optional<ApiKey> revoked;
            try {
                revoked = keys.revoke(id);
            } catch (LastAdminKeyException e) {
                return JsonResponses.error(StatusCodes.CONFLICT, e.getMessage(), "id");
            }
            if (revoked.isEmpty()) {
                return JsonResponses.error(StatusCodes.NOT_FOUND, "no key with id '" + id + "'", "id");
            }
            ApiKey key = revoked.get();
            audit.record(new AuditEntry(
                    clock.instant(),
                    admin.name(),
                    admin.role(),
                    AuditEntry.KEY_REVOKE,
                    key.id(),
                    null,
                    "",
                    "principal " + key.principal() + ", role " + key.role().wireName() + ", tenants " + key.tenants()));
            return JsonResponses.json(StatusCodes.OK, Map.of("revoked", key));
        });
    }

    /** Runs file writes off the HTTP threads; a failure to write is a 500 that says what failed. */
    private Route offload(Supplier<HttpResponse> work) {
        return completeWithFuture(CompletableFuture.supplyAsync(work, blocking)
                .exceptionally(failure -> JsonResponses.error(
                        StatusCodes.INTERNAL_SERVER_ERROR,
                        "could not update the keys or the audit log: "
                                + (failure.getCause() == null ? failure : failure.getCause()).getMessage(),
                        null)));
    }

    private static String text(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            throw new BadRequestException(field, field + " is required, e.g. " + EXAMPLE);
        }
        if (!value.isTextual()) {
            throw new BadRequestException(field, field + " must be a string, was " + value);
        }
        return value.textValue();
    }

    private static TenantScope tenants(JsonNode value) {
        if (value == null || value.isNull()) {
            return TenantScope.ALL;
        }
        if (!value.isArray()) {
            throw new BadRequestException(
                    "tenants", "tenants must be a list of tenants, or [\"*\"] for every tenant, " + "was " + value);
        }
        List<String> names = new ArrayList<>();
        for (JsonNode t : value) {
            if (!t.isTextual()) {
                throw new BadRequestException("tenants", "tenants must hold strings, found " + t);
            }
            names.add(t.textValue());
        }
        try {
            return TenantScope.of(names);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("tenants", e.getMessage());
        }
    }
}
