package dev.engram.node.http;

import dev.engram.node.internal.Async;
import dev.engram.node.internal.NodeMetrics;
import dev.engram.node.recall.Recaller;
import dev.engram.node.recall.RecallsSaturatedException;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ClassicActorSystemProvider;
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
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's routes.
 *
 * <pre>
 * POST /v1/tenants/{tenant}/recall   {"task": "...", "k": 10, "mode": "dense"}  -> 200 {@link RecallResponse}
 * GET  /health                                                -> 200 UP or DEGRADED, 503 DOWN: {@link HealthReport}
 * GET  /metrics                                               -> 200 Prometheus text
 * GET  /v1/adapters, POST /v1/adapters/{name}/pin|unpin|rollback (see the registry's AdapterRoutes)
 * </pre>
 *
 * <p>Bad requests get 400 with an {@link ApiError} naming the field; unknown routes 404; a known
 * route with the wrong method 405. A recall beyond the node's {@code maxConcurrentRecalls} gets
 * 429 with {@code Retry-After} (seconds) at once: the client is told to come back, rather than being
 * queued behind the recalls in flight.
 */
public final class HttpApi extends AllDirectives {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final String ROUTES = "POST /v1/tenants/{tenant}/recall, GET /health, GET /metrics, "
            + "GET /v1/adapters, POST /v1/adapters/{name}/pin|unpin|rollback";

    private final Recaller recaller;
    private final NodeMetrics metrics;
    private final Supplier<HealthReport> health;
    private final Supplier<Route> extra;

    public HttpApi(Recaller recaller, NodeMetrics metrics, Supplier<HealthReport> health) {
        this(recaller, metrics, health, null);
    }

    /** @param extra further routes (e.g. the adapter routes), tried before the 404 fallback; may be null */
    public HttpApi(Recaller recaller, NodeMetrics metrics, Supplier<HealthReport> health, Supplier<Route> extra) {
        this.recaller = Objects.requireNonNull(recaller, "recaller");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.health = Objects.requireNonNull(health, "health");
        this.extra = extra;
    }

    /** Binds the routes; the stage completes once the port is listening. */
    public CompletionStage<ServerBinding> bind(ClassicActorSystemProvider system, String host, int port) {
        return Http.get(system).newServerAt(host, port).bind(routes());
    }

    /** All routes, with the JSON 404 fallback last. */
    public Route routes() {
        return concat(
                path(PathMatchers.segment("v1").slash("tenants").slash(PathMatchers.segment()).slash("recall"),
                        tenant -> concat(
                                post(() -> entity(Unmarshaller.entityToString(), body -> recall(tenant, body))),
                                methodNotAllowed("POST"))),
                path("health", () -> concat(get(this::health), methodNotAllowed("GET"))),
                path("metrics", () -> concat(get(this::metrics), methodNotAllowed("GET"))),
                extra == null ? reject() : extra.get(),
                extractUnmatchedPath(unmatched -> complete(json(StatusCodes.NOT_FOUND,
                        new ApiError("no such route: " + unmatched + " (routes: " + ROUTES + ")", null)))));
    }

    private Route recall(String tenant, String body) {
        RecallRequest request;
        try {
            RecallRequest.tenant(tenant);
            request = RecallRequest.parse(body);
        } catch (BadRequestException e) {
            return complete(json(StatusCodes.BAD_REQUEST, e.toError()));
        }
        CompletionStage<HttpResponse> response = recaller.recall(tenant, request.task(), request.k(), request.mode())
                .thenApply(answer -> json(StatusCodes.OK, RecallResponses.of(tenant, request, answer)))
                .exceptionally(failure -> {
                    Throwable cause = Async.unwrap(failure);
                    if (cause instanceof RecallsSaturatedException saturated) {
                        return json(StatusCodes.TOO_MANY_REQUESTS, new ApiError(saturated.getMessage(), null))
                                .addHeader(RawHeader.create("Retry-After",
                                        Long.toString(Math.max(1, saturated.retryAfter().toSeconds()))));
                    }
                    if (cause instanceof IllegalArgumentException) {
                        return json(StatusCodes.BAD_REQUEST, new ApiError(cause.getMessage(), null));
                    }
                    log.warn("recall for tenant {} failed: {}", tenant, cause.toString(), cause);
                    return json(StatusCodes.INTERNAL_SERVER_ERROR,
                            new ApiError("recall failed: " + cause + " (see the node's log)", null));
                });
        return completeWithFuture(response);
    }

    private Route health() {
        HealthReport report = health.get();
        return complete(json(report.serving() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, report));
    }

    private Route metrics() {
        return complete(HttpResponse.create().withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape())));
    }

    private Route methodNotAllowed(String allowed) {
        return extractMethod(method -> complete(json(StatusCodes.METHOD_NOT_ALLOWED,
                new ApiError("method " + method.name() + " is not allowed here; use " + allowed, null))));
    }

    static HttpResponse json(StatusCode status, Object body) {
        return HttpResponse.create().withStatus(status)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.write(body)));
    }
}
