package dev.engram.node.cluster;

import dev.engram.memory.RecallMode;
import dev.engram.node.internal.Async;
import dev.engram.node.recall.RecallAnswer;
import dev.engram.node.recall.RecallService;
import dev.engram.node.recall.RecallUnavailableException;
import dev.engram.node.recall.RecallsSaturatedException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * A recall answered by the node that owns the tenant's partition: this node's own {@link
 * RecallService} when it owns it (no hop), else the partition's {@link PartitionEntity} on its
 * owner, through Cluster Sharding. The owner's answer comes back whole (the same cases, scores and
 * reasons as a recall made there); its refusals come back as the same exceptions.
 *
 * <pre>{@code
 * RecallService recalls = cluster.recalls(recaller);   // NodeCluster
 * recalls.recall("acme", "flutter of a heated wing", 10, null);
 * }</pre>
 */
public final class ClusterRecall implements RecallService {

    /** How long a routed recall may take before the caller is told to retry. */
    public static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final RecallService local;
    private final ClusterSharding sharding;
    private final TenantPartitioner partitioner;
    private final PartitionOwnership ownership;
    private final Predicate<String> unreachable;

    /** @param unreachable whether the member at a cluster address is unreachable from this node now */
    ClusterRecall(
            RecallService local,
            ClusterSharding sharding,
            TenantPartitioner partitioner,
            PartitionOwnership ownership,
            Predicate<String> unreachable) {
        this.local = Objects.requireNonNull(local, "local");
        this.sharding = Objects.requireNonNull(sharding, "sharding");
        this.partitioner = Objects.requireNonNull(partitioner, "partitioner");
        this.ownership = Objects.requireNonNull(ownership, "ownership");
        this.unreachable = Objects.requireNonNull(unreachable, "unreachable");
    }

    @Override
    public CompletionStage<RecallAnswer> recall(String tenant, String task, int k, RecallMode mode) {
        int partition;
        try {
            partition = partitioner.partitionOf(tenant);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (ownership.owns(partition)) {
            return local.recall(tenant, task, k, mode);
        }
        String owner = ownership.owners().get(partition);
        if (owner != null && unreachable.test(owner)) {
            // Its messages would wait for the ask's timeout: say at once that the tenant is not served now.
            return CompletableFuture.failedFuture(new RecallUnavailableException(
                    "the owner of partition " + partition + " (" + owner + ") is unreachable; its partitions "
                            + "move to another node once Kafka's session timeout expires; retry",
                    RETRY_AFTER));
        }
        return sharding.entityRefFor(PartitionEntity.TYPE, String.valueOf(partition))
                .<PartitionEntity.RecallReply>ask(
                        replyTo -> new PartitionEntity.Recall(tenant, task, k, mode, replyTo), ASK_TIMEOUT)
                .handle((reply, failure) -> answer(partition, reply, failure));
    }

    private static RecallAnswer answer(int partition, PartitionEntity.RecallReply reply, Throwable failure) {
        if (failure != null) {
            Throwable cause = Async.unwrap(failure);
            if (cause instanceof TimeoutException) {
                throw new RecallUnavailableException(
                        "the owner of partition " + partition + " did not answer within " + ASK_TIMEOUT.toSeconds()
                                + " s (it may be leaving the cluster); retry",
                        RETRY_AFTER);
            }
            throw new IllegalStateException(
                    "routing the recall to partition " + partition + " failed: " + cause, cause);
        }
        return switch (reply.outcome()) {
            case ANSWERED -> reply.answer();
            case SATURATED ->
                throw new RecallsSaturatedException(reply.limit(), Duration.ofMillis(reply.retryAfterMillis()));
            case NOT_OWNER ->
                throw new RecallUnavailableException(
                        reply.message() + " (asked " + reply.node() + "); retry",
                        Duration.ofMillis(reply.retryAfterMillis()));
            case BAD_REQUEST -> throw new IllegalArgumentException(reply.message());
            case FAILED ->
                throw new IllegalStateException("recall failed on " + reply.node() + ", the owner of partition "
                        + partition + ": " + reply.message());
        };
    }
}
