package dev.engram.node.http;

import dev.engram.node.auth.Principal;
import dev.engram.node.auth.Role;
import dev.engram.node.internal.Async;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.recall.RecallService;
import dev.engram.node.recall.RecallUnavailableException;
import dev.engram.node.recall.RecallsSaturatedException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's routes, and who may call them.
 *
 * <pre>
 * POST /v1/tenants/{tenant}/recall   {"task": "...", "k": 10, "mode": "dense"}  -> 200 {@link RecallResponse}   reader, tenant
 * GET  /health               -> 200 UP or DEGRADED, 503 DOWN: {"status"} without a key, the whole {@link HealthReport} with one
 * GET  /metrics                                               -> 200 Prometheus text                   reader
 * GET  /v1/adapters, POST /v1/adapters/{name}/pin|unpin|rollback (see {@link AdapterRoutes})         reader / operator
 * GET  /v1/adapters/{name}/versions/{version}/files: a zip of its files (see {@link AdapterFileRoutes}) operator
 * POST|GET /v1/keys, DELETE /v1/keys/{id} (see {@link KeyRoutes})                                    admin
 * GET  /v1/audit (see {@link AuditRoutes})                                                           operator
 * GET  /v1/dead-letters (see {@link DeadLetterRoutes})                                               reader
 * GET  /v1/tenants (see {@link TenantRoutes})                                                        reader
 * POST /v1/tenants/{tenant}/playground (see {@link PlaygroundRoutes})                                reader, tenant
 * GET  /v1/training/jobs, GET /v1/training/jobs/{jobId} (see {@link TrainingRoutes})                 reader
 * GET  /console/, GET /v1/whoami, GET /v1/events (see {@link ConsoleRoutes})                      open / reader
 * </pre>
 *
 * <p>Every route but {@code /health} needs {@code Authorization: Bearer <key>} ({@link HttpAccess}):
 * 401 without a valid key, 403 when the key's role or tenants do not cover the request. Bad
 * requests get 400 with an {@link ApiError} naming the field; a body over
 * {@value RequestBody#MAX_BYTES} bytes 413; unknown routes 404; a known route with the wrong method
 * 405 (checked before the key). A recall beyond the node's {@code maxConcurrentRecalls} gets 429
 * with {@code Retry-After} (seconds) at once: the client is told to come back, rather than being
 * queued behind the recalls in flight. In a cluster, a recall for a tenant whose partition is
 * moving between nodes (or whose owner does not answer) gets 503 with {@code Retry-After}.
 */
public final class HttpApi extends AllDirectives {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final String ROUTES = "POST /v1/tenants/{tenant}/recall, GET /health, GET /metrics, "
            + "GET /v1/adapters, POST /v1/adapters/{name}/pin|unpin|rollback, "
            + "GET /v1/adapters/{name}/versions/{version}/files, POST|GET /v1/keys, "
            + "DELETE /v1/keys/{id}, GET /v1/audit, GET /v1/dead-letters, GET /v1/training/jobs, "
            + "GET /v1/training/jobs/{jobId}, GET /v1/tenants, POST /v1/tenants/{tenant}/playground, GET /v1/whoami, GET /v1/events, GET /console/";

    private final RecallService recaller;
    private final NodeMetrics metrics;
    private final Supplier<HealthReport> health;
    private final HttpAccess access;
    private final Supplier<Route> extra;

    /**
     * @param access who may call what
     * @param extra further routes (adapters, keys, audit), tried before the 404 fallback; may be null
     */
    public HttpApi(
            RecallService recaller,
            NodeMetrics metrics,
            Supplier<HealthReport> health,
            HttpAccess access,
            Supplier<Route> extra) {
        this.recaller = Objects.requireNonNull(recaller, "recaller");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.health = Objects.requireNonNull(health, "health");
        this.access = Objects.requireNonNull(access, "access");
        this.extra = extra;
    }

    /** Binds the routes over plain HTTP; the stage completes once the port is listening. */
    public CompletionStage<ServerBinding> bind(ClassicActorSystemProvider system, String host, int port) {
        return bind(system, host, port, null);
    }

    /**
     * Binds the routes, over TLS when {@code tls} is given (then the port speaks HTTPS only: a
     * plaintext request gets no answer); the stage completes once the port is listening.
     */
    public CompletionStage<ServerBinding> bind(ClassicActorSystemProvider system, String host, int port, HttpTls tls) {
        var server = Http.get(system).newServerAt(host, port);
        if (tls != null) {
            server = server.enableHttps(ConnectionContext.httpsServer(tls.sslContext()));
        }
        return server.bind(routes());
    }

    /** All routes, with the JSON 404 fallback last. */
    public Route routes() {
        return concat(
                path(
                        PathMatchers.segment("v1")
                                .slash("tenants")
                                .slash(PathMatchers.segment())
                                .slash("recall"),
                        tenant -> concat(
                                post(() -> access.require(
                                        Role.READER,
                                        tenant,
                                        "recall",
                                        principal -> RequestBody.read(body -> recall(tenant, body)))),
                                JsonResponses.methodNotAllowed("POST"))),
                path(
                        "health",
                        () -> concat(get(() -> access.identify(this::health)), JsonResponses.methodNotAllowed("GET"))),
                path(
                        "metrics",
                        () -> concat(
                                get(() -> access.require(Role.READER, "reading metrics", principal -> metrics())),
                                JsonResponses.methodNotAllowed("GET"))),
                extra == null ? reject() : extra.get(),
                extractUnmatchedPath(unmatched -> complete(JsonResponses.error(
                        StatusCodes.NOT_FOUND, "no such route: " + unmatched + " (routes: " + ROUTES + ")", null))));
    }

    private Route recall(String tenant, String body) {
        RecallRequest request;
        try {
            RecallRequest.tenant(tenant);
            request = RecallRequest.parse(body);
        } catch (BadRequestException e) {
            return complete(JsonResponses.json(StatusCodes.BAD_REQUEST, e.toError()));
        }
        CompletionStage<HttpResponse> response = recaller.recall(tenant, request.task(), request.k(), request.mode())
                .thenApply(answer -> JsonResponses.json(StatusCodes.OK, RecallResponses.of(tenant, request, answer)))
                .exceptionally(failure -> {
                    Throwable cause = Async.unwrap(failure);
                    if (cause instanceof RecallsSaturatedException saturated) {
                        return JsonResponses.error(StatusCodes.TOO_MANY_REQUESTS, saturated.getMessage(), null)
                                .addHeader(RawHeader.create(
                                        "Retry-After",
                                        Long.toString(Math.max(
                                                1, saturated.retryAfter().toSeconds()))));
                    }
                    if (cause instanceof RecallUnavailableException unavailable) {
                        return JsonResponses.error(StatusCodes.SERVICE_UNAVAILABLE, unavailable.getMessage(), null)
                                .addHeader(RawHeader.create(
                                        "Retry-After",
                                        Long.toString(Math.max(
                                                1, unavailable.retryAfter().toSeconds()))));
                    }
                    if (cause instanceof IllegalArgumentException) {
                        return JsonResponses.error(StatusCodes.BAD_REQUEST, cause.getMessage(), null);
                    }
                    log.warn("recall for tenant {} failed: {}", tenant, cause.toString(), cause);
                    return JsonResponses.error(
                            StatusCodes.INTERNAL_SERVER_ERROR,
                            "recall failed: " + cause + " (see the node's log)",
                            null);
                });
        return completeWithFuture(response);
    }

    /** Liveness for anyone; what the node consumes and from where only for a caller with a key. */
    private Route health(Optional<Principal> caller) {
        HealthReport report = health.get();
        StatusCode status = report.serving() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE;
        return complete(JsonResponses.json(status, caller.isPresent() ? report : Map.of("status", report.status())));
    }

    private Route metrics() {
        return complete(HttpResponse.create()
                .withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape())));
    }
}
