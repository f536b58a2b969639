package dev.engram.node.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.node.EngramNode;
import dev.engram.node.http.ApiJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** A node's adapter API as the tests use it (recall's version, listings, controls), and a bounded await. */
final class NodeAdapterApi {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private NodeAdapterApi() {}

    static String recallVersion(EngramNode n, String tenant) {
        try {
            HttpResponse<String> r = post(n, "/v1/tenants/" + tenant + "/recall", "{\"task\": \"flutter\", \"k\": 3}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return ApiJson.mapper().readTree(r.body()).get("adapterVersion").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode adapterView(EngramNode n, String name) {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(n.httpUrl() + "/v1/adapters"))
                            .header("Authorization", "Bearer " + key(n))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            for (JsonNode a : ApiJson.mapper().readTree(r.body()).get("adapters")) {
                if (a.get("name").asText().equals(name)) {
                    return a;
                }
            }
            return null;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode version(EngramNode n, String name, long version) {
        JsonNode a = adapterView(n, name);
        if (a == null) {
            return null;
        }
        for (JsonNode v : a.get("versions")) {
            if (v.get("version").asLong() == version) {
                return v;
            }
        }
        return null;
    }

    static HttpResponse<String> post(EngramNode n, String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(n.httpUrl() + path))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + key(n))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The node's admin key: the operator every control of these tests is recorded under. */
    static String key(EngramNode n) {
        return n.localAdminKey().orElseThrow(() -> new AssertionError("node without DATA/admin.key"));
    }

    static void await(BooleanSupplier condition, String what) {
        // A new node replays engram.adapters from the start, verifying and canary-checking every
        // version the shared broker holds (earlier test classes' too): well past 30 s in a full run.
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 120 s waiting for: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
    }
}
