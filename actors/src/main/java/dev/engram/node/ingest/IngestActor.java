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
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Writes batches of feedback records into the case store, one batch at a time and in arrival
 * order, answers each with {@link BatchResult.Done} once its cases are written (searchable), and
 * makes them durable with index commits as its {@link IndexCommitPolicy} says: with
 * {@link IndexCommitPolicy#EVERY_BATCH} before each answer, else once the policy's interval has
 * passed since the first batch not yet committed or its number of uncommitted records is reached,
 * and whenever asked ({@link CommitIndex}: a partition revoked, the consumer stopping). Each
 * partition of a batch succeeds or fails on its own ({@link BatchWriter}): when some failed after
 * their retries the answer is {@link BatchResult.Partial} (or {@link BatchResult.Failed} when all
 * did), and the sender redelivers just those partitions.
 *
 * <p>Two states: <b>idle</b> starts a batch or a commit; <b>writing</b> stashes what arrives
 * meanwhile and unstashes it when the current one finishes, so batches and commits never overlap or
 * reorder. Its state (the offsets the index holds) starts from the index commit on every
 * (re)start, so a restarted actor continues where the durable state is. {@link #supervised}
 * restarts it with exponential backoff after an unexpected failure; a batch lost in the crash is
 * redelivered by the consumer when its answer times out.
 *
 * <pre>{@code
 * ActorRef<IngestActor.Command> ingest =
 *         ctx.spawn(IngestActor.supervised(writer, IndexCommitPolicy.defaults(), resilience), "ingest");
 * ingest.tell(new IngestActor.Ingest(batch, replyTo));
 * ingest.tell(new IngestActor.CommitIndex(committedReplyTo)); // e.g. before a partition is handed away
 * }</pre>
 */
public final class IngestActor {

    /** Messages the ingest actor understands. */
    public interface Command {}

    /**
     * Write this batch; answer when it is written (and, with {@link IndexCommitPolicy#EVERY_BATCH},
     * durable) or has failed.
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

    /** Commit the index now with everything written so far (after the batch in flight, if any). */
    public record CommitIndex(ActorRef<Committed> replyTo) implements Command {
        public CommitIndex {
            Objects.requireNonNull(replyTo, "commitIndex.replyTo is required");
        }
    }

    /**
     * The answer to {@link CommitIndex}.
     *
     * @param durableOffsets per partition, the next offset to read according to the index commit
     *     (after this commit, or the last one when it failed)
     * @param failure why the commit failed, or {@code null}
     */
    public record Committed(Map<TopicPartition, Long> durableOffsets, String failure) {
        public Committed {
            durableOffsets = Map.copyOf(durableOffsets);
        }

        public boolean ok() {
            return failure == null;
        }
    }

    /** Report the offsets the index holds and the batches handled since (re)start. */
    public record GetStatus(ActorRef<Status> replyTo) implements Command {}

    /**
     * @param durableOffsets per partition, the next offset to read according to the index commit
     * @param writtenOffsets per partition, the next offset to read according to what is written
     *     (searchable), committed or not
     * @param uncommittedRecords records written since the last index commit
     * @param batchesDone batches written (all their partitions or some) since this actor (re)started
     * @param writing whether a batch or commit is being written now
     */
    public record Status(
            Map<TopicPartition, Long> durableOffsets,
            Map<TopicPartition, Long> writtenOffsets,
            long uncommittedRecords,
            long batchesDone,
            boolean writing) {
        public Status {
            durableOffsets = Map.copyOf(durableOffsets);
            writtenOffsets = Map.copyOf(writtenOffsets);
        }
    }

    private record BatchFinished(Ingest request, boolean committed, BatchResult result, Throwable failure)
            implements Command {}

    /** The policy's interval has passed since the first batch the last commit does not hold. */
    private enum CommitDue implements Command {
        INSTANCE
    }

    private record CommitFinished(ActorRef<Committed> replyTo, Throwable failure) implements Command {}

    private static final int STASH_CAPACITY = 64;

    private final ActorContext<Command> context;
    private final StashBuffer<Command> stash;
    private final TimerScheduler<Command> timers;
    private final BatchWriter writer;
    private final IndexCommitPolicy policy;
    /** What the index holds, committed or not: the offsets the next commit records. */
    private Map<TopicPartition, Long> writtenOffsets;

    private long uncommittedRecords;
    private long batchesDone;

    private IngestActor(
            ActorContext<Command> context,
            StashBuffer<Command> stash,
            TimerScheduler<Command> timers,
            BatchWriter writer,
            IndexCommitPolicy policy) {
        this.context = context;
        this.stash = stash;
        this.timers = timers;
        this.writer = writer;
        this.policy = policy;
        this.writtenOffsets = writer.durableOffsets();
    }

    /** The actor without supervision, committing the index after every batch (tests and composition). */
    public static Behavior<Command> create(BatchWriter writer) {
        return create(writer, IndexCommitPolicy.EVERY_BATCH);
    }

    /** The actor without supervision, committing the index as {@code policy} says. */
    public static Behavior<Command> create(BatchWriter writer, IndexCommitPolicy policy) {
        Objects.requireNonNull(writer, "writer");
        Objects.requireNonNull(policy, "policy");
        return Behaviors.withStash(
                STASH_CAPACITY,
                stash -> Behaviors.withTimers(
                        timers -> Behaviors.setup(ctx -> new IngestActor(ctx, stash, timers, writer, policy).idle())));
    }

    /** The actor committing after every batch, restarted with exponential backoff when it fails unexpectedly. */
    public static Behavior<Command> supervised(BatchWriter writer, ResilienceConfig resilience) {
        return supervised(writer, IndexCommitPolicy.EVERY_BATCH, resilience);
    }

    /** The actor, committing as {@code policy} says, restarted with exponential backoff when it fails unexpectedly. */
    public static Behavior<Command> supervised(
            BatchWriter writer, IndexCommitPolicy policy, ResilienceConfig resilience) {
        return Behaviors.supervise(create(writer, policy))
                .onFailure(
                        Exception.class,
                        SupervisorStrategy.restartWithBackoff(
                                resilience.actorRestartMinBackoff(), resilience.actorRestartMaxBackoff(), 0.2));
    }

    private Behavior<Command> idle() {
        return Behaviors.receive(Command.class)
                .onMessage(Ingest.class, this::onIngest)
                .onMessage(CommitIndex.class, c -> startCommit(c.replyTo()))
                .onMessageEquals(CommitDue.INSTANCE, () -> startCommit(null))
                .onMessage(GetStatus.class, g -> onGetStatus(g, false))
                .build();
    }

    private Behavior<Command> writing() {
        return Behaviors.receive(Command.class)
                .onMessage(Ingest.class, this::onIngestWhileWriting)
                .onMessage(CommitIndex.class, this::stashWhileWriting)
                .onMessageEquals(CommitDue.INSTANCE, () -> stashWhileWriting(CommitDue.INSTANCE))
                .onMessage(BatchFinished.class, this::onBatchFinished)
                .onMessage(CommitFinished.class, this::onCommitFinished)
                .onMessage(GetStatus.class, g -> onGetStatus(g, true))
                .build();
    }

    private Behavior<Command> onIngest(Ingest request) {
        boolean commit = policy.commitsAfter(uncommittedRecords, request.batch().size());
        context.pipeToSelf(
                writer.write(request.batch(), writtenOffsets, request.isolate(), commit),
                (result, failure) -> new BatchFinished(request, commit, result, failure));
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

    private Behavior<Command> stashWhileWriting(Command command) {
        if (stash.isFull()) {
            if (command instanceof CommitIndex c) {
                c.replyTo().tell(new Committed(writer.durableOffsets(), "ingest actor is busy (stash full)"));
            }
        } else {
            stash.stash(command);
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
            written(done.outcome(), finished.committed());
        } else if (result instanceof BatchResult.Partial partial) {
            written(partial.outcome(), finished.committed());
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

    /** A batch's partitions that succeeded are written; durable too when the batch ended with a commit. */
    private void written(BatchOutcome outcome, boolean committed) {
        writtenOffsets = OffsetCommitData.advance(writtenOffsets, outcome.nextOffsets());
        batchesDone++;
        if (committed) {
            committed();
        } else {
            uncommittedRecords += outcome.records();
            if (!timers.isTimerActive(CommitDue.INSTANCE)) {
                timers.startSingleTimer(CommitDue.INSTANCE, CommitDue.INSTANCE, policy.interval());
            }
        }
    }

    private void committed() {
        uncommittedRecords = 0;
        timers.cancel(CommitDue.INSTANCE);
    }

    private Behavior<Command> startCommit(ActorRef<Committed> replyTo) {
        Map<TopicPartition, Long> durable = writer.durableOffsets();
        if (uncommittedRecords == 0 && durable.equals(writtenOffsets)) {
            if (replyTo != null) {
                replyTo.tell(new Committed(durable, null));
            }
            return Behaviors.same();
        }
        context.pipeToSelf(writer.commit(writtenOffsets), (v, failure) -> new CommitFinished(replyTo, failure));
        return writing();
    }

    private Behavior<Command> onCommitFinished(CommitFinished finished) {
        String failure = null;
        if (finished.failure() == null) {
            committed();
        } else {
            failure = "index commit: " + Async.unwrap(finished.failure());
            context.getLog()
                    .warn(
                            "committing {} written records failed after retries; the stream replays them: {}",
                            uncommittedRecords,
                            failure);
        }
        if (finished.replyTo() != null) {
            finished.replyTo().tell(new Committed(writer.durableOffsets(), failure));
        }
        return stash.unstashAll(idle());
    }

    private Behavior<Command> onGetStatus(GetStatus request, boolean writing) {
        request.replyTo()
                .tell(new Status(writer.durableOffsets(), writtenOffsets, uncommittedRecords, batchesDone, writing));
        return Behaviors.same();
    }
}
