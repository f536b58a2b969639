package dev.engram.node.http;

import dev.engram.node.auth.AuditEntry;
import dev.engram.node.auth.AuditLog;
import dev.engram.node.auth.Principal;
import dev.engram.node.auth.Role;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The audit log on the node's HTTP API, for operators and admins.
 *
 * <pre>
 * GET /v1/audit?limit=100   -> 200 {"entries": [{@link AuditEntry}]}   the newest {@code limit}, oldest first
 * </pre>
 *
 * <p>A key sees the adapter actions of its tenants (those of adapters whose tenant the node did not
 * know only with every tenant), and key actions only when it is an admin of every tenant.
 */
public final class AuditRoutes extends AllDirectives {

    /** Entries answered when the request names no {@code limit}. */
    public static final int DEFAULT_LIMIT = 100;
    /** Most entries one request can ask for. */
    public static final int MAX_LIMIT = 10_000;

    private final AuditLog audit;
    private final HttpAccess access;
    private final Executor blocking;

    /** @param blocking where the log file is read */
    public AuditRoutes(AuditLog audit, HttpAccess access, Executor blocking) {
        this.audit = Objects.requireNonNull(audit, "audit");
        this.access = Objects.requireNonNull(access, "access");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    public Route routes() {
        return path(
                PathMatchers.segment("v1").slash("audit"),
                () -> concat(
                        get(() -> access.require(
                                Role.OPERATOR,
                                "reading the audit log",
                                principal -> parameterOptional("limit", limit -> read(principal, limit)))),
                        JsonResponses.methodNotAllowed("GET")));
    }

    private Route read(Principal principal, Optional<String> limitParam) {
        int limit;
        try {
            limit = limitParam.map(Integer::parseInt).orElse(DEFAULT_LIMIT);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            return complete(JsonResponses.error(
                    StatusCodes.BAD_REQUEST,
                    "limit must be a whole number in [1, " + MAX_LIMIT + "], was '" + limitParam.orElse("") + "'",
                    "limit"));
        }
        int n = limit;
        return completeWithFuture(CompletableFuture.supplyAsync(
                        () -> JsonResponses.json(
                                StatusCodes.OK, Map.of("entries", audit.latest(n, e -> visible(principal, e)))),
                        blocking)
                .exceptionally(failure -> JsonResponses.error(
                        StatusCodes.INTERNAL_SERVER_ERROR,
                        "could not read the audit log: "
                                + (failure.getCause() == null ? failure : failure.getCause()).getMessage(),
                        null)));
    }

    private static boolean visible(Principal principal, AuditEntry entry) {
        if (entry.action().startsWith("key.")) {
            return principal.may(Role.ADMIN) && principal.tenants().everyTenant();
        }
        return entry.tenant() == null ? principal.tenants().everyTenant() : principal.mayAccess(entry.tenant());
    }
}
