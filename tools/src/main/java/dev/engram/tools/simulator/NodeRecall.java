package dev.engram.tools.simulator;

import dev.engram.node.EngramNode;
import dev.engram.runtime.EngramApiException;
import dev.engram.runtime.EngramClient;
import dev.engram.streams.RecallResponse;
import dev.engram.streams.RecalledCase;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * A node's recall through the SDK ({@code EngramClient.recall}), reduced to what the simulator, the
 * demo and the benchmarks score: the ranked case ids, with the adapter version and mode that ranked them.
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

    /** A recall of 100 cases from a node that is also ingesting and training may take a while. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final EngramClient client;

    /**
     * @param baseUrl the node's HTTP address, e.g. {@code http://127.0.0.1:7070}
     * @param apiKey a key of a reader (or above) of the tenants recalled; {@code null} only for a node
     *     that allows anonymous calls
     */
    public NodeRecall(String baseUrl, String apiKey) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("httpUrl is required, e.g. http://127.0.0.1:7070");
        }
        this.client = EngramClient.builder()
                .nodeUrl(URI.create(baseUrl))
                .apiKey(apiKey)
                .agentId("engram-simulator")
                .requestTimeout(TIMEOUT)
                .build();
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
     * @throws EngramApiException when the node answers with an error or cannot be reached
     */
    public Ranking recall(String tenant, String task, int k, String mode) {
        RecallResponse answer = client.recall(tenant, task, k, mode);
        return new Ranking(
                answer.ranked().stream().map(RecalledCase::caseId).toList(), answer.adapterVersion(), answer.mode());
    }
}
