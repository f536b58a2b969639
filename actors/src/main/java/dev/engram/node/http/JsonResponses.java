package dev.engram.node.http;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/** The API's JSON answers: bodies, {@link ApiError}s, and the 405 of a known route. */
final class JsonResponses {

    private JsonResponses() {}

    /** {@code body} as JSON with {@code status}. */
    static HttpResponse json(StatusCode status, Object body) {
        return HttpResponse.create()
                .withStatus(status)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.write(body)));
    }

    /** An {@link ApiError} with {@code status}; {@code field} may be null. */
    static HttpResponse error(StatusCode status, String message, String field) {
        return json(status, new ApiError(message, field));
    }

    /** 405 for a route that exists with another method. */
    static Route methodNotAllowed(String allowed) {
        return Directives.extractMethod(method -> Directives.complete(error(
                StatusCodes.METHOD_NOT_ALLOWED,
                "method " + method.name() + " is not allowed here; use " + allowed,
                null)));
    }
}
