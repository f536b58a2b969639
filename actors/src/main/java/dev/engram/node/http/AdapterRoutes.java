package dev.engram.node.http;

import dev.engram.node.registry.AdapterRegistry;
import dev.engram.node.registry.AdapterView;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterPublisher;
import dev.engram.streams.InvalidEventException;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The adapter routes of the node's HTTP API. Pin, unpin and rollback publish an
 * {@link AdapterControl} on {@code engram.adapters} (so they reach every node and survive restarts)
 * and answer 202 once Kafka has it; the registry applies it when it reads it back.
 *
 * <pre>
 * GET  /v1/adapters                                                 -> 200 {"adapters": [{@link AdapterView}],
 *                                                                           "gate": {@link PromotionGate} (this node's margins)}
 * GET  /v1/adapters/{name}                                          -> 200 {@link AdapterView}, or 404
 * POST /v1/adapters/{name}/pin       {"version": 3, "reason": ".."} -> 202
 * POST /v1/adapters/{name}/unpin     {"reason": ".."}               -> 202
 * POST /v1/adapters/{name}/rollback  {"version": 2, "reason": ".."} -> 202
 * </pre>
 */
public final class AdapterRoutes extends AllDirectives {

    private final AdapterRegistry registry;
    private final AdapterPublisher publisher;
    private final Executor blocking;
    private final Clock clock;

    /** @param publisher publishes the controls (blocking, so it runs on {@code blocking}) */
    public AdapterRoutes(AdapterRegistry registry, AdapterPublisher publisher, Executor blocking, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Route routes() {
        return concat(
                path(PathMatchers.segment("v1").slash("adapters"), () -> get(() ->
                        complete(json(StatusCodes.OK, Map.of("adapters", registry.adapters(), "gate",
                                registry.gate()))))),
                path(PathMatchers.segment("v1").slash("adapters").slash(PathMatchers.segment()), name -> get(() -> {
                    AdapterView view = registry.adapter(name);
                    return complete(view == null
                            ? json(StatusCodes.NOT_FOUND, new ApiError("no adapter named '" + name
                                    + "' on this node (GET /v1/adapters lists them)", null))
                            : json(StatusCodes.OK, view));
                })),
                path(PathMatchers.segment("v1").slash("adapters").slash(PathMatchers.segment())
                        .slash(PathMatchers.segment()), (name, action) -> post(() ->
                        entity(Unmarshaller.entityToString(), body -> control(name, action, body)))));
    }

    private Route control(String name, String action, String body) {
        AdapterControl control;
        try {
            JsonNode tree = body == null || body.isBlank() ? ApiJson.mapper().createObjectNode()
                    : ApiJson.mapper().readTree(body);
            String reason = tree.path("reason").asText("");
            String operator = tree.path("operator").asText("http");
            switch (action) {
                case "pin" -> control = AdapterControl.pin(name, version(tree, action), operator, reason, clock.instant());
                case "unpin" -> control = AdapterControl.unpin(name, operator, reason, clock.instant());
                case "rollback" -> control = AdapterControl.rollback(name, version(tree, action), operator, reason,
                        clock.instant());
                default -> {
                    return complete(json(StatusCodes.NOT_FOUND, new ApiError("no such adapter action '" + action
                            + "'; use pin, unpin or rollback", null)));
                }
            }
        } catch (InvalidEventException | IllegalArgumentException e) {
            return complete(json(StatusCodes.BAD_REQUEST, new ApiError(e.getMessage(), null)));
        } catch (java.io.IOException e) {
            return complete(json(StatusCodes.BAD_REQUEST, new ApiError("the body is not JSON: " + e.getMessage(),
                    null)));
        }
        AdapterControl accepted = control;
        CompletionStage<HttpResponse> published = CompletableFuture.supplyAsync(() -> publisher.publish(accepted),
                blocking).handle((meta, failure) -> failure == null
                        ? json(StatusCodes.ACCEPTED, Map.of("published", accepted, "offset", meta.offset(),
                                "note", "applied when every node reads it back; see GET /v1/adapters"))
                        : json(StatusCodes.SERVICE_UNAVAILABLE, new ApiError("could not publish the control to Kafka: "
                                + failure.getMessage(), null)));
        return completeWithFuture(published);
    }

    private static long version(JsonNode tree, String action) {
        JsonNode v = tree.get("version");
        if (v == null || !v.canConvertToLong() || v.asLong() < 1) {
            throw new IllegalArgumentException("version: " + action + " needs {\"version\": N} with N >= 1");
        }
        return v.asLong();
    }

    private static HttpResponse json(StatusCode status, Object body) {
        return HttpResponse.create().withStatus(status)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.write(body)));
    }

}
