package dev.engram.node.http;

import dev.engram.node.auth.Principal;
import dev.engram.node.auth.Role;
import dev.engram.node.ops.TenantSummaries;
import dev.engram.node.ops.TenantSummary;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The tenants on the node's HTTP API.
 *
 * <pre>
 * GET /v1/tenants -> 200 {"tenants": [{@link TenantSummary}]}: each tenant the key may see with its
 *                    cases, their polarity, the feedback they got, its serving and pinned versions and
 *                    each version's held-out nDCG@10                                          reader
 * </pre>
 */
public final class TenantRoutes extends AllDirectives {

    private final TenantSummaries summaries;
    private final HttpAccess access;
    private final Executor blocking;

    /** @param blocking where the cases are counted */
    public TenantRoutes(TenantSummaries summaries, HttpAccess access, Executor blocking) {
        this.summaries = Objects.requireNonNull(summaries, "summaries");
        this.access = Objects.requireNonNull(access, "access");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    public Route routes() {
        return path(
                PathMatchers.segment("v1").slash("tenants"),
                () -> concat(
                        get(() -> access.require(Role.READER, "listing tenants", this::list)),
                        JsonResponses.methodNotAllowed("GET")));
    }

    private Route list(Principal principal) {
        return completeWithFuture(CompletableFuture.supplyAsync(
                        () -> JsonResponses.json(
                                StatusCodes.OK, Map.of("tenants", summaries.summaries(principal::mayAccess))),
                        blocking)
                .exceptionally(failure -> JsonResponses.error(
                        StatusCodes.INTERNAL_SERVER_ERROR,
                        "could not summarise the tenants: "
                                + (failure.getCause() == null ? failure : failure.getCause()).getMessage(),
                        null)));
    }
}
