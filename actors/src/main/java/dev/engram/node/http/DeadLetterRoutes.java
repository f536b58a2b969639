package dev.engram.node.http;

import dev.engram.node.auth.Principal;
import dev.engram.node.auth.Role;
import dev.engram.node.ops.DeadLetterQuery;
import dev.engram.node.ops.DeadLetterReader;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The dead-letter topic on the node's HTTP API.
 *
 * <pre>
 * GET /v1/dead-letters?reason=reward&amp;tenant=acme&amp;limit=50
 *     -> 200 {@link dev.engram.node.ops.DeadLetterPage}: the newest matching letters, newest first     reader
 * </pre>
 *
 * <p>{@code reason} matches a part of the reason, ignoring case; {@code tenant} the letter's tenant
 * exactly; {@code limit} is 1 to {@value DeadLetterQuery#MAX_LIMIT} (default
 * {@value DeadLetterQuery#DEFAULT_LIMIT}). A key sees the letters of its tenants; letters whose
 * tenant cannot be told only a key of every tenant. Naming a tenant the key does not cover is 403.
 */
public final class DeadLetterRoutes extends AllDirectives {

    private final DeadLetterReader reader;
    private final HttpAccess access;
    private final Executor blocking;

    /** @param blocking where the topic is read */
    public DeadLetterRoutes(DeadLetterReader reader, HttpAccess access, Executor blocking) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.access = Objects.requireNonNull(access, "access");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    public Route routes() {
        return path(
                PathMatchers.segment("v1").slash("dead-letters"),
                () -> concat(
                        get(() -> access.require(
                                Role.READER,
                                "reading dead letters",
                                principal -> parameterOptional(
                                        "reason",
                                        reason -> parameterOptional(
                                                "tenant",
                                                tenant -> parameterOptional(
                                                        "limit", limit -> read(principal, reason, tenant, limit)))))),
                        JsonResponses.methodNotAllowed("GET")));
    }

    private Route read(Principal principal, Optional<String> reason, Optional<String> tenant, Optional<String> limit) {
        DeadLetterQuery query;
        try {
            query = new DeadLetterQuery(
                    reason.orElse(null),
                    tenant.orElse(null),
                    limit.map(Integer::parseInt).orElse(DeadLetterQuery.DEFAULT_LIMIT));
        } catch (IllegalArgumentException e) {
            return complete(JsonResponses.error(
                    StatusCodes.BAD_REQUEST,
                    "limit must be a whole number in [1, " + DeadLetterQuery.MAX_LIMIT + "], was '" + limit.orElse("")
                            + "'",
                    "limit"));
        }
        if (query.tenant() != null && !principal.mayAccess(query.tenant())) {
            return HttpAccess.tenant(principal, query.tenant(), "read dead letters", () -> reject());
        }
        return completeWithFuture(CompletableFuture.supplyAsync(
                        () -> JsonResponses.json(
                                StatusCodes.OK,
                                reader.read(
                                        query,
                                        t -> t == null ? principal.tenants().everyTenant() : principal.mayAccess(t))),
                        blocking)
                .exceptionally(failure -> JsonResponses.error(
                        StatusCodes.SERVICE_UNAVAILABLE,
                        "could not read the dead letters: "
                                + (failure.getCause() == null ? failure : failure.getCause()).getMessage(),
                        null)));
    }
}
