package dev.engram.node.recall;

import dev.engram.memory.RecallMode;
import java.util.concurrent.CompletionStage;

/**
 * Answers a tenant's recall: the node's own {@link Recaller}, or, in a cluster, the route to the
 * node that owns the tenant's partition ({@code dev.engram.node.cluster.ClusterRecall}).
 *
 * <pre>{@code
 * RecallService recalls = recaller;
 * recalls.recall("acme", "flutter of a heated wing", 10, null)
 *         .thenAccept(a -> a.result().positives().forEach(System.out::println));
 * }</pre>
 */
public interface RecallService {

    /**
     * The top {@code k} cases of {@code tenant} for {@code task} ranked by {@code mode} ({@code null}:
     * the node's default). Fails with {@link IllegalArgumentException} for a bad argument,
     * {@link RecallsSaturatedException} when the answering node runs its most recalls, and
     * {@link RecallUnavailableException} when no node can answer for the tenant right now.
     */
    CompletionStage<RecallAnswer> recall(String tenant, String task, int k, RecallMode mode);
}
