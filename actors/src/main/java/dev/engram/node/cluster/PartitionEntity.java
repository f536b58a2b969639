package dev.engram.node.cluster;

import dev.engram.memory.RecallMode;
import dev.engram.node.internal.Async;
import dev.engram.node.recall.RecallAnswer;
import dev.engram.node.recall.RecallService;
import dev.engram.node.recall.RecallsSaturatedException;
import java.util.function.IntPredicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The sharded entity of one partition of {@code engram.feedback}: it lives on the node that Kafka
 * assigned the partition to (external shard allocation, {@link PartitionOwnership}) and answers the
 * recalls of the partition's tenants from that node's store. It holds no state of its own: the
 * partition's cases are in the node's index.
 *
 * <p>When it finds itself on a node that does not own the partition (the allocation lags a
 * rebalance by a moment), it answers {@link Outcome#NOT_OWNER} rather than recalling from an index
 * that lacks the tenant's cases; the asking node turns that into a 503 with {@code Retry-After}.
 */
public final class PartitionEntity {

    /** The entity type: one entity, and one shard, per partition (both named by its number). */
    public static final EntityTypeKey<Command> TYPE = EntityTypeKey.create(Command.class, "engram-feedback-partition");

    /** What the entity is asked. */
    public interface Command extends ClusterMessage {}

    /** Recall {@code k} cases of {@code tenant} for {@code task} on the owner, as {@link RecallService} does. */
    public record Recall(String tenant, String task, int k, RecallMode mode, ActorRef<RecallReply> replyTo)
            implements Command {}

    /** How a routed recall ended. */
    public enum Outcome {
        ANSWERED,
        SATURATED,
        BAD_REQUEST,
        NOT_OWNER,
        FAILED
    }

    /**
     * The owner's answer.
     *
     * @param outcome how it ended
     * @param answer the recall when {@link Outcome#ANSWERED}; else null
     * @param message why not, otherwise
     * @param node the cluster address of the node that answered
     * @param retryAfterMillis when to retry ({@link Outcome#SATURATED}, {@link Outcome#NOT_OWNER})
     * @param limit the owner's recalls at once ({@link Outcome#SATURATED})
     */
    public record RecallReply(
            Outcome outcome, RecallAnswer answer, String message, String node, long retryAfterMillis, int limit)
            implements ClusterMessage {}

    private PartitionEntity() {}

    /**
     * The entity of {@code partition} on this node: recalls with {@code local} while {@code owns}
     * says this node owns the partition.
     */
    public static Behavior<Command> create(int partition, RecallService local, IntPredicate owns, String node) {
        return Behaviors.receive(Command.class)
                .onMessage(Recall.class, recall -> onRecall(partition, local, owns, node, recall))
                .build();
    }

    private static Behavior<Command> onRecall(
            int partition, RecallService local, IntPredicate owns, String node, Recall recall) {
        if (!owns.test(partition)) {
            recall.replyTo()
                    .tell(new RecallReply(
                            Outcome.NOT_OWNER,
                            null,
                            "partition " + partition + " of the feedback topic is moving to another node",
                            node,
                            1000,
                            0));
            return Behaviors.same();
        }
        // The recall runs on the recall dispatcher; the reply goes from there: the entity keeps no state.
        local.recall(recall.tenant(), recall.task(), recall.k(), recall.mode())
                .whenComplete((answer, failure) -> recall.replyTo().tell(reply(answer, failure, node)));
        return Behaviors.same();
    }

    private static RecallReply reply(RecallAnswer answer, Throwable failure, String node) {
        if (failure == null) {
            return new RecallReply(Outcome.ANSWERED, answer, null, node, 0, 0);
        }
        Throwable cause = Async.unwrap(failure);
        if (cause instanceof RecallsSaturatedException saturated) {
            return new RecallReply(
                    Outcome.SATURATED,
                    null,
                    saturated.getMessage(),
                    node,
                    saturated.retryAfter().toMillis(),
                    saturated.limit());
        }
        if (cause instanceof IllegalArgumentException) {
            return new RecallReply(Outcome.BAD_REQUEST, null, cause.getMessage(), node, 0, 0);
        }
        return new RecallReply(Outcome.FAILED, null, cause.toString(), node, 0, 0);
    }
}
