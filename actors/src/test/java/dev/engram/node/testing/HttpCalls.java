package dev.engram.node.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Plain HTTP calls to a node, with an API key or without one, answers parsed as JSON where they are JSON.
 *
 * <pre>{@code
 * HttpCalls.Client api = HttpCalls.as(SharedNode.adminKey());
 * api.post(node.httpUrl() + "/v1/tenants/acme/recall", "{\"task\": \"x\"}").json();
 * HttpCalls.anonymous().get(node.httpUrl() + "/metrics").status();   // 401
 * }</pre>
 */
public final class HttpCalls {

    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A status, body and the response's headers. */
    public record Answer(int status, String body, String contentType, java.net.http.HttpHeaders headers) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (HTTP " + status + "): " + body, e);
            }
        }

        /** The first value of header {@code name}. */
        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }
    }

    /** Calls made with one key, or none. */
    public static final class Client {
        private final String key;
        private final HttpClient http;

        private Client(String key) {
            this(key, CLIENT);
        }

        private Client(String key, HttpClient http) {
            this.key = key;
            this.http = http;
        }

        public Answer post(String url, String body) {
            return exchange(
                    http,
                    request(url)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        public Answer get(String url) {
            return exchange(http, request(url).GET());
        }

        public Answer delete(String url) {
            return exchange(http, request(url).DELETE());
        }

        /** Any method, with a JSON body or none. */
        public Answer send(String method, String url, String body) {
            return exchange(
                    http,
                    request(url)
                            .header("Content-Type", "application/json")
                            .method(
                                    method,
                                    body == null
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofString(body)));
        }

        private HttpRequest.Builder request(String url) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
            return key == null ? b : b.header("Authorization", "Bearer " + key);
        }
    }

    private HttpCalls() {}

    /** Calls with {@code Authorization: Bearer key}. */
    public static Client as(String key) {
        return new Client(java.util.Objects.requireNonNull(key, "key"));
    }

    /** Calls with {@code Authorization: Bearer key} to an {@code https://} node, trusting what {@code tls} trusts. */
    public static Client as(String key, javax.net.ssl.SSLContext tls) {
        return new Client(
                java.util.Objects.requireNonNull(key, "key"),
                HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(10))
                        .sslContext(tls)
                        .build());
    }

    /** Calls without an Authorization header. */
    public static Client anonymous() {
        return new Client(null);
    }

    /** A POST without a key: what a node that allows anonymous calls (or its open routes) answers. */
    public static Answer post(String url, String body) {
        return anonymous().post(url, body);
    }

    /** A GET without a key, e.g. of {@code /health}. */
    public static Answer get(String url) {
        return anonymous().get(url);
    }

    private static Answer exchange(HttpClient http, HttpRequest.Builder request) {
        try {
            HttpResponse<String> response =
                    http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(
                    response.statusCode(),
                    response.body(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    response.headers());
        } catch (IOException e) {
            throw new AssertionError("HTTP call failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
