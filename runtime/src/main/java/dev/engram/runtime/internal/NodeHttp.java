package dev.engram.runtime.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.runtime.EngramApiException;
import dev.engram.streams.EventCodec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import javax.net.ssl.SSLContext;

/**
 * Calls to the node's HTTP API with the JDK's client: JSON in, JSON out, the API key (if any) as
 * {@code Authorization: Bearer}, errors as {@link EngramApiException}.
 */
public final class NodeHttp {

    private static final ObjectMapper JSON = EventCodec.mapper();

    private final URI nodeUrl;
    private final Duration timeout;
    private final String apiKey;
    private final HttpClient http;

    /** @param apiKey sent with every call; {@code null} for none (a node that allows anonymous calls) */
    public NodeHttp(URI nodeUrl, Duration timeout, String apiKey) {
        this(nodeUrl, timeout, apiKey, null);
    }

    /**
     * @param apiKey sent with every call; {@code null} for none (a node that allows anonymous calls)
     * @param tls the TLS context of {@code https} calls (whom to trust); {@code null} for the JDK's default
     */
    public NodeHttp(URI nodeUrl, Duration timeout, String apiKey, SSLContext tls) {
        this.nodeUrl = nodeUrl;
        this.timeout = timeout;
        this.apiKey = apiKey;
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(timeout);
        if (tls != null) {
            client.sslContext(tls);
        }
        this.http = client.build();
    }

    /**
     * Calls {@code method path} with {@code body} (JSON, or {@code null} for none) and reads the
     * answer as {@code type}.
     *
     * @param expected the status of success
     * @throws EngramApiException for any other status, an unreadable answer, or no answer at all
     */
    public <T> T call(String method, String path, Object body, int expected, Class<T> type) {
        return call(method, path, body, type, expected);
    }

    /**
     * Calls {@code method path} with {@code body} (JSON, or {@code null} for none) and reads the
     * answer as {@code type} when its status is one of {@code accepted} (e.g. {@code GET /health},
     * whose 503 carries the report too).
     *
     * @throws EngramApiException for any other status, an unreadable answer, or no answer at all
     */
    public <T> T call(String method, String path, Object body, Class<T> type, int... accepted) {
        HttpResponse<byte[]> response = send(method, path, body, "application/json", accepted);
        URI uri = response.uri();
        try {
            return JSON.readValue(response.body(), type);
        } catch (IOException e) {
            throw new EngramApiException(
                    method,
                    uri,
                    response.statusCode(),
                    "the node's answer is not a " + type.getSimpleName() + " (" + e.getMessage() + "): "
                            + preview(response.body()),
                    null,
                    e);
        }
    }

    /**
     * {@code GET path}'s answer as bytes (a file, say) when its status is {@code expected}.
     *
     * @throws EngramApiException for any other status, or no answer at all
     */
    public byte[] bytes(String path, int expected) {
        return send("GET", path, null, "*/*", expected).body();
    }

    private HttpResponse<byte[]> send(String method, String path, Object body, String accept, int... accepted) {
        URI uri = nodeUrl.resolve(path);
        HttpRequest.BodyPublisher publisher;
        try {
            publisher = body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the request to " + path, e);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", accept)
                .method(method, publisher);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new EngramApiException(
                    method,
                    uri,
                    -1,
                    e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()),
                    null,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngramApiException(method, uri, -1, "interrupted while waiting for the node", null, e);
        }
        int status = response.statusCode();
        if (Arrays.stream(accepted).noneMatch(ok -> ok == status)) {
            throw error(method, uri, response);
        }
        return response;
    }

    /** {@code GET /v1/adapters}: every adapter the node knows, with its versions and the serving one. */
    public JsonNode adapters() {
        return call("GET", "/v1/adapters", null, 200, JsonNode.class);
    }

    /** The node's address. */
    public URI url() {
        return nodeUrl;
    }

    private static EngramApiException error(String method, URI uri, HttpResponse<byte[]> response) {
        String message = null;
        String field = null;
        try {
            JsonNode error = JSON.readTree(response.body());
            if (error != null && error.hasNonNull("error")) {
                message = error.get("error").asText();
                field = error.hasNonNull("field") ? error.get("field").asText() : null;
            }
        } catch (IOException notJson) {
            // Not the node's error body (a proxy's page, say): show the body itself.
        }
        if (message == null) {
            message = preview(response.body());
        }
        return new EngramApiException(method, uri, response.statusCode(), message, field, null);
    }

    private static String preview(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return "(empty body)";
        }
        return text.length() <= 300 ? text : text.substring(0, 297) + "...";
    }
}
