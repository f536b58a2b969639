package dev.engram.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.runtime.internal.NodeHttp;
import dev.engram.streams.EventCodec;
import dev.engram.streams.EventLimits;
import dev.engram.streams.PlaygroundResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * What the node sees of the stream's other side, called with the {@link EngramClient}'s API key (a
 * reader's key, of the tenants asked about): the tenants, the dead letters, the training jobs, and
 * the playground that runs one task against two versions of a tenant's retriever policy. The
 * console shows the same.
 *
 * <pre>{@code
 * NodeOperations ops = engram.operations();
 * for (DeadLetterInfo l : ops.deadLetters("reward", "acme", 20).deadLetters()) {
 *   System.out.println(l.sourceTopic() + "-" + l.sourcePartition() + "@" + l.sourceOffset() + ": " + l.reason());
 * }
 * for (TrainingJobInfo job : ops.trainingJobs("acme", "running", 10)) {
 *   System.out.printf("%s %.0f%% loss %s%n", job.jobId(), 100 * job.fraction(), job.loss());
 * }
 * }</pre>
 *
 * <p>Errors are {@link EngramApiException}s: 401 without a valid key, 403 for a tenant the key does
 * not cover, 400 naming the field at fault, 404 for a job the node does not know.
 */
public final class NodeOperations {

    private static final ObjectMapper JSON = EventCodec.mapper();

    private final NodeHttp http;

    NodeOperations(NodeHttp http) {
        this.http = http;
    }

    /**
     * The newest dead letters, newest first ({@code GET /v1/dead-letters}).
     *
     * @param reason a part of the reason to match, ignoring case; null for any
     * @param tenant only this tenant's; null for every tenant the key may see
     * @param limit 1 to 1,000
     */
    public DeadLetterListing deadLetters(String reason, String tenant, int limit) {
        return http.call(
                "GET",
                "/v1/dead-letters" + query("reason", reason, "tenant", tenant, "limit", Integer.toString(limit)),
                null,
                200,
                DeadLetterListing.class);
    }

    /**
     * The newest training jobs, newest first, without their loss curves ({@code GET /v1/training/jobs}).
     *
     * @param tenant only this tenant's; null for every tenant the key may see
     * @param state {@code queued}, {@code running}, {@code done} or {@code failed}; null for any
     * @param limit 1 to 500
     */
    public List<TrainingJobInfo> trainingJobs(String tenant, String state, int limit) {
        JsonNode jobs = http.call(
                        "GET",
                        "/v1/training/jobs" + query("tenant", tenant, "state", state, "limit", Integer.toString(limit)),
                        null,
                        200,
                        JsonNode.class)
                .path("jobs");
        List<TrainingJobInfo> out = new ArrayList<>();
        for (JsonNode job : jobs) {
            try {
                out.add(JSON.treeToValue(job, TrainingJobInfo.class));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("the node's answer is not a training job: " + job, e);
            }
        }
        return out;
    }

    /**
     * One training job with its loss curve ({@code GET /v1/training/jobs/{jobId}}).
     *
     * @throws EngramApiException 404 when the node does not know the job
     */
    public TrainingJobInfo trainingJob(String jobId) {
        return http.call(
                "GET",
                "/v1/training/jobs/"
                        + URLEncoder.encode(Objects.requireNonNull(jobId, "jobId"), StandardCharsets.UTF_8),
                null,
                200,
                TrainingJobInfo.class);
    }

    /**
     * Every tenant the key may see with its cases, their polarity, the feedback on them and its
     * adapter's versions ({@code GET /v1/tenants}).
     */
    public List<TenantInfo> tenants() {
        JsonNode tenants =
                http.call("GET", "/v1/tenants", null, 200, JsonNode.class).path("tenants");
        List<TenantInfo> out = new ArrayList<>();
        for (JsonNode tenant : tenants) {
            try {
                out.add(JSON.treeToValue(tenant, TenantInfo.class));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("the node's answer is not a tenant: " + tenant, e);
            }
        }
        return out;
    }

    /**
     * One task recalled by two versions of {@code tenant}'s retriever policy side by side, and where
     * their orders differ ({@code POST /v1/tenants/{tenant}/playground}). A version that does not
     * serve is loaded on demand by the node, only if it admitted and verified it; trying it changes
     * nothing that serves.
     *
     * <pre>{@code
     * PlaygroundResponse p = engram.operations().playground("acme", "charged twice", 10, RecallMode.DENSE, "serving", "2");
     * p.changes().forEach(c -> System.out.println(c.caseId() + ": #" + c.rankA() + " -> #" + c.rankB()));
     * }</pre>
     *
     * @param mode {@code null} for the node's default
     * @param versionA {@code "serving"}, {@code "base"}, a version number such as {@code "2"}, or
     *     {@code "<adapter>/v2"}
     * @param versionB as {@code versionA}
     * @throws EngramApiException 404 for a version the tenant does not have, 409 for one the node will
     *     not load (refused, failed while serving, never checked), 403 for a tenant the key does not cover
     */
    public PlaygroundResponse playground(
            String tenant, String task, int k, RecallMode mode, String versionA, String versionB) {
        if (tenant == null || !EventLimits.TENANT_PATTERN.matcher(tenant).matches()) {
            throw new InvalidRequestException(
                    "tenant", "must match " + EventLimits.TENANT_REGEX + ", was '" + tenant + "'");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("task", task);
        body.put("k", k);
        if (mode != null) {
            body.put("mode", mode.wireName());
        }
        body.put("versions", Arrays.asList(versionA, versionB));
        return http.call("POST", "/v1/tenants/" + tenant + "/playground", body, 200, PlaygroundResponse.class);
    }

    /** {@code ?name=value&...} of the pairs whose value is not null. */
    private static String query(String... pairs) {
        StringJoiner q = new StringJoiner("&", "?", "");
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                q.add(pairs[i] + "=" + URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
            }
        }
        return q.toString();
    }
}
