package dev.engram.node.ingest;

import dev.engram.node.config.ResilienceConfig;
import dev.engram.node.internal.Async;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * Writes batches of feedback records into the case store, one batch at a time and in arrival
 * order, and answers each with {@link BatchResult.Done} once the index commit covers it. Each
 * partition of a batch succeeds or fails on its own ({@link BatchWriter}): when some failed after
 * their retries the answer is {@link BatchResult.Partial} (or {@link BatchResult.Failed} when all
 * did), and the sender redelivers just those partitions.
 *
 * <p>Two states: <b>idle</b> starts a batch; <b>writing</b> stashes batches that arrive meanwhile
 * and unstashes them when the current one finishes, so batches never overlap or reorder. Its state
 * (the offsets the index durably covers) is read back from the index commit on every (re)start,
 * so a restarted actor continues where the durable state is. {@link #supervised} restarts it with
 * exponential backoff after an unexpected failure; a batch lost in the crash is redelivered by the
 * consumer when its answer times out.
 *
 * <pre>{@code
 * ActorRef<IngestActor.Command> ingest = ctx.spawn(IngestActor.supervised(writer, resilience), "ingest");
 * ingest.tell(new IngestActor.Ingest(batch, replyTo));
 * }</pre>
 */
public final class IngestActor {

    /** Messages the ingest actor understands. */
    public interface Command {}

    /**
     * Write this batch; answer when it is durable or has failed.
     *
     * @param isolate partitions whose records kept failing: write them record by record and
     *     dead-letter the record that fails (while the index still commits)
     */
    public record Ingest(IngestBatch batch, Set<TopicPartition> isolate, ActorRef<BatchResult> replyTo)
            implements Command {
        public Ingest {
            Objects.requireNonNull(batch, "ingest.batch is required");
            isolate = Set.copyOf(Objects.requireNonNull(isolate, "ingest.isolate is required (empty for none)"));
            Objects.requireNonNull(replyTo, "ingest.replyTo is required");
        }

        /** Write this batch, isolating no partition. */
        public Ingest(IngestBatch batch, ActorRef<BatchResult> replyTo) {
            this(batch, Set.of(), replyTo);
        }
    }

    /** Report the offsets the index durably covers and the batches handled since (re)start. */
    public record GetStatus(ActorRef<Status> replyTo) implements Command {}

    /**
     * @param durableOffsets per partition, the next offset to read according to the index commit
     * @param batchesDone batches made durable (all their partitions or some) since this actor (re)started
     * @param writing whether a batch is being written now
     */
    public record Status(Map<TopicPartition, Long> durableOffsets, long batchesDone, boolean writing) {
        public Status {
            durableOffsets = Map.copyOf(durableOffsets);
        }
    }

    private record BatchFinished(Ingest request, BatchResult result, Throwable failure) implements Command {}

    private static final int STASH_CAPACITY = 64;

    private final ActorContext<Command> context;
    private final StashBuffer<Command> stash;
    private final BatchWriter writer;
    private Map<TopicPartition, Long> durableOffsets;
    private long batchesDone;

    private IngestActor(ActorContext<Command> context, StashBuffer<Command> stash, BatchWriter writer) {
        this.context = context;
        this.stash = stash;
        this.writer = writer;
        this.durableOffsets = writer.durableOffsets();
    }

    /** The actor without supervision (tests and composition). */
    public static Behavior<Command> create(BatchWriter writer) {
        Objects.requireNonNull(writer, "writer");
        return Behaviors.withStash(
                STASH_CAPACITY, stash -> Behaviors.setup(ctx -> new IngestActor(ctx, stash, writer).idle()));
    }

    /** The actor, restarted with exponential backoff when it fails unexpectedly. */
    public static Behavior<Command> supervised(BatchWriter writer, ResilienceConfig resilience) {
        return Behaviors.supervise(create(writer))
                .onFailure(
                        Exception.class,
                        SupervisorStrategy.restartWithBackoff(
                                resilience.actorRestartMinBackoff(), resilience.actorRestartMaxBackoff(), 0.2));
    }

    private Behavior<Command> idle() {
        return Behaviors.receive(Command.class)
                .onMessage(Ingest.class, this::onIngest)
                .onMessage(GetStatus.class, this::onGetStatus)
                .build();
    }

    private Behavior<Command> writing() {
        return Behaviors.receive(Command.class)
                .onMessage(Ingest.class, this::onIngestWhileWriting)
                .onMessage(BatchFinished.class, this::onBatchFinished)
                .onMessage(GetStatus.class, this::onGetStatusWhileWriting)
                .build();
    }

    private Behavior<Command> onIngest(Ingest request) {
        context.pipeToSelf(
                writer.write(request.batch(), durableOffsets, request.isolate()),
                (result, failure) -> new BatchFinished(request, result, failure));
        return writing();
    }

    private Behavior<Command> onIngestWhileWriting(Ingest request) {
        if (stash.isFull()) {
            // The consumer sends one batch at a time; a full stash means a misbehaving sender.
            request.replyTo().tell(new BatchResult.Failed("ingest actor is busy (stash full)", null));
        } else {
            stash.stash(request);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onBatchFinished(BatchFinished finished) {
        BatchResult result = finished.result();
        if (finished.failure() != null) {
            Throwable cause = Async.unwrap(finished.failure());
            result = new BatchResult.Failed("ingest: " + cause, cause);
        }
        if (result instanceof BatchResult.Done done) {
            durableOffsets =
                    OffsetCommitData.advance(durableOffsets, done.outcome().nextOffsets());
            batchesDone++;
        } else if (result instanceof BatchResult.Partial partial) {
            durableOffsets =
                    OffsetCommitData.advance(durableOffsets, partial.outcome().nextOffsets());
            batchesDone++;
            context.getLog()
                    .warn(
                            "batch of {} records: partitions {} failed and will be redelivered: {}",
                            finished.request().batch().size(),
                            partial.failed().keySet(),
                            partial.failed().values());
        } else if (result instanceof BatchResult.Failed failed) {
            context.getLog()
                    .warn(
                            "batch of {} records failed after retries; it will be redelivered: {}",
                            finished.request().batch().size(),
                            failed.reason());
        }
        finished.request().replyTo().tell(result);
        return stash.unstashAll(idle());
    }

    private Behavior<Command> onGetStatus(GetStatus request) {
        request.replyTo().tell(new Status(durableOffsets, batchesDone, false));
        return Behaviors.same();
    }

    private Behavior<Command> onGetStatusWhileWriting(GetStatus request) {
        request.replyTo().tell(new Status(durableOffsets, batchesDone, true));
        return Behaviors.same();
    }
}
