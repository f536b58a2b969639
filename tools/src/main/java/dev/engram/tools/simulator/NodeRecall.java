package dev.engram.tools.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.node.EngramNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Calls a node's {@code POST /v1/tenants/{tenant}/recall} and returns the ranked case ids with the
 * adapter version and mode that ranked them: what the simulator and the demo use.
 *
 * <pre>{@code
 * NodeRecall.Ranking r = new NodeRecall(node.httpUrl(), apiKey).recall("cranfield", "heated wing flutter", 10, "dense");
 * }</pre>
 */
public final class NodeRecall {

    /**
     * One answer.
     *
     * @param caseIds the recalled case ids, best first
     * @param adapterVersion the adapter version that embedded the query ({@code "base"} without one)
     * @param mode how the node ranked: {@code hybrid}, {@code bm25} or {@code dense}
     */
    public record Ranking(List<String> caseIds, String adapterVersion, String mode) {
        public Ranking {
            caseIds = List.copyOf(caseIds);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String apiKey;

    /**
     * @param baseUrl the node's HTTP address, e.g. {@code http://127.0.0.1:7070}
     * @param apiKey a key of a reader (or above) of the tenants recalled; {@code null} only for a node
     *     that allows anonymous calls
     */
    public NodeRecall(String baseUrl, String apiKey) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("httpUrl is required, e.g. http://127.0.0.1:7070");
        }
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
    }

    /** Recalls from a node in this process with its admin key (the demo, benchmarks, tests). */
    public static NodeRecall of(EngramNode node) {
        return new NodeRecall(node.httpUrl(), node.localAdminKey().orElse(null));
    }

    /** The case ids of the top {@code k} cases for {@code task} in the node's default mode, best first. */
    public List<String> rankedCaseIds(String tenant, String task, int k) {
        return recall(tenant, task, k, null).caseIds();
    }

    /**
     * The top {@code k} cases for {@code task}, ranked in {@code mode} ({@code hybrid}, {@code bm25},
     * {@code dense}; {@code null} for the node's default).
     *
     * @throws IllegalStateException when the node answers with an error or an unexpected body
     */
    public Ranking recall(String tenant, String task, int k, String mode) {
        ObjectNode body = JSON.createObjectNode().put("task", task).put("k", k);
        if (mode != null) {
            body.put("mode", mode);
        }
        URI uri = URI.create(baseUrl + "/v1/tenants/" + tenant + "/recall");
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        HttpRequest request = builder.build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("recall at " + uri + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recalling at " + uri, e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("recall at " + uri + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        try {
            JsonNode root = JSON.readTree(response.body());
            JsonNode ranked = root.get("ranked");
            if (ranked == null || !ranked.isArray()) {
                throw new IllegalStateException("recall at " + uri + " answered without a 'ranked' array: "
                        + response.body());
            }
            List<String> ids = new ArrayList<>(ranked.size());
            for (JsonNode c : ranked) {
                JsonNode id = c.get("caseId");
                if (id == null || !id.isTextual()) {
                    throw new IllegalStateException("recall at " + uri + " answered a ranked entry without a "
                            + "'caseId': " + c);
                }
                ids.add(id.asText());
            }
            return new Ranking(ids, root.path("adapterVersion").asText("base"), root.path("mode").asText(""));
        } catch (IOException e) {
            throw new IllegalStateException("recall at " + uri + " answered invalid JSON: " + e.getMessage(), e);
        }
    }
}
