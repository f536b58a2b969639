package dev.engram.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.runtime.internal.NodeHttp;
import dev.engram.streams.EventCodec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A node's API keys and audit log, called with the {@link EngramClient}'s API key: key management
 * needs an admin key, the audit log an operator's (or an admin's).
 *
 * <pre>{@code
 * try (EngramClient engram = EngramClient.builder().nodeUrl(URI.create("http://127.0.0.1:7070"))
 *         .apiKey(adminKey).agentId("ops").build()) {
 *   IssuedApiKey bot = engram.admin().createKey("ci-bot", "reader", List.of("acme"));
 *   System.out.println("hand this to ci-bot, it is shown once: " + bot.key());
 *   engram.admin().audit(20).forEach(System.out::println);
 * }
 * }</pre>
 *
 * <p>Errors are {@link EngramApiException}s: 401 without a valid key, 403 when the key's role or
 * tenants do not allow the call, 400 naming the field at fault.
 */
public final class NodeAdmin {

    private static final ObjectMapper JSON = EventCodec.mapper();

    private final NodeHttp http;

    NodeAdmin(NodeHttp http) {
        this.http = http;
    }

    /**
     * Makes a key ({@code POST /v1/keys}).
     *
     * @param role {@code reader}, {@code writer}, {@code operator} or {@code admin}
     * @param tenants the tenants it may act on; empty or {@code ["*"]} for every tenant
     */
    public IssuedApiKey createKey(String principal, String role, List<String> tenants) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("principal", Objects.requireNonNull(principal, "principal"));
        body.put("role", Objects.requireNonNull(role, "role"));
        body.put("tenants", tenants == null || tenants.isEmpty() ? List.of("*") : tenants);
        JsonNode answer = http.call("POST", "/v1/keys", body, 201, JsonNode.class);
        try {
            return new IssuedApiKey(answer.path("key").asText(), JSON.treeToValue(answer, ApiKeyInfo.class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the node's answer to POST /v1/keys is not a key: " + answer, e);
        }
    }

    /** Every key of the node, without secrets ({@code GET /v1/keys}). */
    public List<ApiKeyInfo> keys() {
        return list(http.call("GET", "/v1/keys", null, 200, JsonNode.class).path("keys"), ApiKeyInfo.class);
    }

    /** Revokes the key with {@code id} ({@code DELETE /v1/keys/{id}}); calls with it fail from now on. */
    public ApiKeyInfo revokeKey(String id) {
        JsonNode answer = http.call(
                "DELETE",
                "/v1/keys/" + URLEncoder.encode(Objects.requireNonNull(id, "id"), StandardCharsets.UTF_8),
                null,
                200,
                JsonNode.class);
        return convert(answer.path("revoked"), ApiKeyInfo.class);
    }

    /** The newest {@code limit} operator actions the key may see, oldest first ({@code GET /v1/audit}). */
    public List<AuditRecord> audit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: must be >= 1, was " + limit);
        }
        return list(
                http.call("GET", "/v1/audit?limit=" + limit, null, 200, JsonNode.class)
                        .path("entries"),
                AuditRecord.class);
    }

    private static <T> List<T> list(JsonNode array, Class<T> type) {
        List<T> out = new ArrayList<>();
        array.forEach(n -> out.add(convert(n, type)));
        return out;
    }

    private static <T> T convert(JsonNode node, Class<T> type) {
        try {
            return JSON.treeToValue(node, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the node's answer is not a " + type.getSimpleName() + ": " + node, e);
        }
    }
}
