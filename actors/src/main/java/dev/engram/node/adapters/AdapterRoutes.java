package dev.engram.node.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.http.ApiError;
import dev.engram.node.http.ApiJson;
import dev.engram.node.internal.Async;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' adapter routes:
 *
 * <pre>
 * GET  /v1/adapters                    -> 200 {"adapters": [{@link AdapterView}, ...]}
 * GET  /v1/adapters/{name}             -> 200 {@link AdapterView} | 404
 * POST /v1/adapters/{name}/pin         {"version": 3, "reason": "...", "operator": "ana"} -> 200 {@link AdapterView}
 * POST /v1/adapters/{name}/unpin       {"reason": "...", "operator": "ana"}               -> 200 {@link AdapterView}
 * POST /v1/adapters/{name}/rollback    {"version": 2, "reason": "...", "operator": "ana"} -> 200 {@link AdapterView}
 * </pre>
 *
 * <p>Controls are published on {@code engram.adapters} (so every node applies them and they survive
 * restarts); the answer comes once this node has read its own control back. {@code operator}
 * defaults to {@code "http"}, {@code reason} to {@code ""}. Errors: 400 (bad body, naming the
 * field), 404 (unknown adapter or version), 409 (a version that cannot serve, or a rollback that
 * is not below the serving version).
 */
public final class AdapterRoutes extends AllDirectives {

    private static final Logger log = LoggerFactory.getLogger(AdapterRoutes.class);

    private final AdapterServing adapters;

    public AdapterRoutes(AdapterServing adapters) {
        this.adapters = adapters;
    }

    /** The routes above. */
    public Route routes() {
        return pathPrefix(PathMatchers.segment("v1").slash("adapters"), () -> concat(
                pathEnd(() -> get(() -> completeWithFuture(adapters.list()
                        .thenApply(list -> json(StatusCodes.OK, Map.of("adapters", list)))
                        .exceptionally(this::failure)))),
                path(PathMatchers.segment(), name -> get(() -> completeWithFuture(adapters.get(name)
                        .thenApply(found -> found.map(v -> json(StatusCodes.OK, v)).orElseGet(() ->
                                json(StatusCodes.NOT_FOUND, new ApiError("no adapter named '" + name
                                        + "' on this node (GET /v1/adapters lists them)", "name"))))
                        .exceptionally(this::failure)))),
                path(PathMatchers.segment().slash("pin"), name -> post(() -> control(body ->
                        adapters.pin(name, version(body), operator(body), reason(body))))),
                path(PathMatchers.segment().slash("unpin"), name -> post(() -> control(body ->
                        adapters.unpin(name, operator(body), reason(body))))),
                path(PathMatchers.segment().slash("rollback"), name -> post(() -> control(body ->
                        adapters.rollback(name, version(body), operator(body), reason(body)))))));
    }

    private Route control(Function<JsonNode, CompletionStage<AdapterView>> action) {
        return entity(Unmarshaller.entityToString(), text -> {
            CompletionStage<AdapterView> done;
            try {
                done = action.apply(parse(text));
            } catch (BadBody e) {
                return complete(json(StatusCodes.BAD_REQUEST, new ApiError(e.getMessage(), e.field)));
            }
            return completeWithFuture(done.thenApply(v -> json(StatusCodes.OK, v)).exceptionally(this::failure));
        });
    }

    private HttpResponse failure(Throwable failure) {
        Throwable cause = Async.unwrap(failure);
        if (cause instanceof NoSuchAdapterException) {
            return json(StatusCodes.NOT_FOUND, new ApiError(cause.getMessage(), "version"));
        }
        if (cause instanceof IllegalStateException || cause instanceof IllegalArgumentException) {
            return json(StatusCodes.CONFLICT, new ApiError(cause.getMessage(), null));
        }
        log.warn("adapter request failed: {}", cause.toString(), cause);
        return json(StatusCodes.INTERNAL_SERVER_ERROR, new ApiError("adapter request failed: " + cause
                + " (see the node's log)", null));
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return ApiJson.mapper().createObjectNode();
        }
        try {
            JsonNode node = ApiJson.mapper().readTree(text);
            if (node == null || !node.isObject()) {
                throw new BadBody(null, "the body must be a JSON object, e.g. {\"version\": 3, \"reason\": \"...\"}");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadBody(null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static long version(JsonNode body) {
        JsonNode v = body.get("version");
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 1) {
            throw new BadBody("version", "version is required: a whole number >= 1, e.g. {\"version\": 3}");
        }
        return v.asLong();
    }

    private static String operator(JsonNode body) {
        JsonNode v = body.get("operator");
        if (v == null || v.isNull()) {
            return "http";
        }
        if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > 128) {
            throw new BadBody("operator", "operator must be a non-blank string of at most 128 characters");
        }
        return v.asText();
    }

    private static String reason(JsonNode body) {
        JsonNode v = body.get("reason");
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual() || v.asText().length() > 4096) {
            throw new BadBody("reason", "reason must be a string of at most 4096 characters");
        }
        return v.asText();
    }

    private static HttpResponse json(StatusCode status, Object body) {
        return HttpResponse.create().withStatus(status)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.write(body)));
    }

    /** A request body the routes cannot use; answered with 400. */
    private static final class BadBody extends RuntimeException {
        final String field;

        BadBody(String field, String message) {
            super(message);
            this.field = field;
        }
    }
}
