package dev.engram.node.http;

import dev.engram.node.auth.Role;
import dev.engram.node.internal.Async;
import dev.engram.node.recall.Recaller;
import dev.engram.node.recall.RecallsSaturatedException;
import dev.engram.node.registry.UnknownVersionException;
import dev.engram.node.registry.VersionUnavailableException;
import dev.engram.streams.PlaygroundResponse;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The playground: one task recalled by two versions of a tenant's retriever policy side by side.
 *
 * <pre>
 * POST /v1/tenants/{tenant}/playground  {"task": "...", "k": 10, "mode": "dense", "versions": ["serving", "2"]}
 *      -> 200 {@link PlaygroundResponse}: {"tenant", "task", "a": recall, "b": recall, "changes": [...]}   reader, tenant
 *         400 a bad field (a version in none of the forms {@link PlaygroundRequest#VERSION} allows), 404 a
 *         version the tenant does not have, 409 a version this node will not load
 *         (refused, failed, unchecked, files unreadable) or, in a cluster, a tenant another node holds,
 *         429 with Retry-After when recalls are saturated
 * </pre>
 *
 * <p>A version that does not serve is loaded on demand ({@code AdapterRegistry.acquireVersion}):
 * trying it never changes what serves the tenant. Each side is one recall on this node's memory, as
 * a recall served by that version would rank it; in a cluster, a node that does not own the tenant's
 * partition answers 409 naming the owner.
 */
public final class PlaygroundRoutes extends AllDirectives {

    private static final Logger log = LoggerFactory.getLogger(PlaygroundRoutes.class);

    private final Recaller recaller;
    private final HttpAccess access;
    private final Function<String, Optional<String>> ownerElsewhere;

    /**
     * @param recaller this node's own recaller (it reads this node's memory)
     * @param ownerElsewhere in a cluster, the member that owns a tenant's partition when this node does
     *     not ({@code NodeCluster.ownerElsewhere}); {@code null} on a single node
     */
    public PlaygroundRoutes(Recaller recaller, HttpAccess access, Function<String, Optional<String>> ownerElsewhere) {
        this.recaller = Objects.requireNonNull(recaller, "recaller");
        this.access = Objects.requireNonNull(access, "access");
        this.ownerElsewhere = ownerElsewhere == null ? tenant -> Optional.empty() : ownerElsewhere;
    }

    public Route routes() {
        return path(
                PathMatchers.segment("v1")
                        .slash("tenants")
                        .slash(PathMatchers.segment())
                        .slash("playground"),
                tenant -> concat(
                        post(() -> access.require(
                                Role.READER,
                                tenant,
                                "try versions",
                                principal -> RequestBody.read(body -> playground(tenant, body)))),
                        JsonResponses.methodNotAllowed("POST")));
    }

    private Route playground(String tenant, String body) {
        PlaygroundRequest request;
        try {
            RecallRequest.tenant(tenant);
            request = PlaygroundRequest.parse(body);
        } catch (BadRequestException e) {
            return complete(JsonResponses.json(StatusCodes.BAD_REQUEST, e.toError()));
        }
        RecallRequest recall = request.recall();
        Optional<String> owner = ownerElsewhere.apply(tenant);
        if (owner.isPresent()) {
            // This node's memory has none of the tenant's cases: an empty answer would look like a result.
            return complete(JsonResponses.error(
                    StatusCodes.CONFLICT,
                    "tenant '" + tenant + "' is held by " + owner.get() + ", not this node; the playground recalls "
                            + "the memory of the node it is asked on: ask the owner's HTTP API",
                    "tenant"));
        }
        // One side after the other: each holds one of the node's recall permits, so a node that runs
        // one recall at a time still answers, and a playground never holds two at once.
        String versionA = request.versions().get(0);
        String versionB = request.versions().get(1);
        CompletionStage<HttpResponse> response = recaller.trial(
                        tenant, versionA, recall.task(), recall.k(), recall.mode())
                .thenCompose(a -> recaller.trial(tenant, versionB, recall.task(), recall.k(), recall.mode())
                        .thenApply(b -> JsonResponses.json(
                                StatusCodes.OK,
                                PlaygroundResponse.of(
                                        RecallResponses.of(tenant, recall, a), RecallResponses.of(tenant, recall, b)))))
                .exceptionally(failure -> failed(tenant, Async.unwrap(failure)));
        return completeWithFuture(response);
    }

    private static HttpResponse failed(String tenant, Throwable cause) {
        if (cause instanceof UnknownVersionException) {
            return JsonResponses.error(StatusCodes.NOT_FOUND, cause.getMessage(), "versions");
        }
        if (cause instanceof VersionUnavailableException) {
            return JsonResponses.error(StatusCodes.CONFLICT, cause.getMessage(), "versions");
        }
        if (cause instanceof RecallsSaturatedException saturated) {
            return JsonResponses.error(StatusCodes.TOO_MANY_REQUESTS, saturated.getMessage(), null)
                    .addHeader(RawHeader.create(
                            "Retry-After",
                            Long.toString(Math.max(1, saturated.retryAfter().toSeconds()))));
        }
        if (cause instanceof IllegalArgumentException) {
            return JsonResponses.error(StatusCodes.BAD_REQUEST, cause.getMessage(), null);
        }
        log.warn("playground for tenant {} failed: {}", tenant, cause.toString(), cause);
        return JsonResponses.error(
                StatusCodes.INTERNAL_SERVER_ERROR, "the playground failed: " + cause + " (see the node's log)", null);
    }
}
