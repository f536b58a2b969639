package dev.engram.bench;

import dev.engram.node.EngramNode;
import dev.engram.node.NodeConfig;
import dev.engram.node.cluster.ClusterConfig;
import dev.engram.node.tuning.TuningSchedulerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * How the cluster benchmarks start their nodes and talk to them: clustered BM25-only nodes in this
 * JVM (no tuning, anonymous HTTP on a free port, cluster remoting on a free port), recalls over the
 * node's HTTP API as an agent sends them, and a bounded wait for the cluster to reach a state.
 */
final class ClusteredNodes {

    private ClusteredNodes() {}

    /** A node of consumer group {@code group} that joins the cluster through {@code seeds} (none: it founds one). */
    static EngramNode start(Path data, String bootstrap, String group, List<String> seeds) {
        return EngramNode.start(NodeConfig.builder(data)
                .bootstrapServers(bootstrap)
                .groupId(group)
                .httpPort(0)
                .allowAnonymous(true)
                .tuning(TuningSchedulerConfig.disabled())
                .cluster(ClusterConfig.on("127.0.0.1", 0, seeds))
                .build());
    }

    /** Where {@code node} answers {@code tenant}'s recalls. */
    static String recallUrl(EngramNode node, String tenant) {
        return node.httpUrl() + "/v1/tenants/" + tenant + "/recall";
    }

    /** One recall of {@code k} cases over HTTP at {@code url} ({@link #recallUrl}); anything but a 200 is an error. */
    static void recall(HttpClient http, String url, String task, int k) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"" + task + "\", \"k\": " + k + "}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "recall at " + url + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    /** Waits until {@code condition} holds, checking every 50 ms, for at most {@code bound}. */
    static void await(String what, Duration bound, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within " + bound.toMinutes() + " min: " + what);
            }
            Thread.sleep(50);
        }
    }
}
