package dev.engram.node.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Calls a node's {@code POST /v1/tenants/{tenant}/recall} and returns the ranked case ids. */
final class NodeRecall {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    NodeRecall(String baseUrl) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("httpUrl is required, e.g. http://127.0.0.1:7070");
        }
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /**
     * The case ids of the top {@code k} cases for {@code task}, best first.
     *
     * @throws IllegalStateException when the node answers with an error or an unexpected body
     */
    List<String> rankedCaseIds(String tenant, String task, int k) {
        ObjectNode body = JSON.createObjectNode().put("task", task).put("k", k);
        URI uri = URI.create(baseUrl + "/v1/tenants/" + tenant + "/recall");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build();
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
            JsonNode ranked = JSON.readTree(response.body()).get("ranked");
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
            return ids;
        } catch (IOException e) {
            throw new IllegalStateException("recall at " + uri + " answered invalid JSON: " + e.getMessage(), e);
        }
    }
}
