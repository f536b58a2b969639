package dev.engram.node.tuning;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.TrainingJob;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Schedules one tenant's tuning rounds. It counts the judged episodes ingested for the tenant and
 * starts a round when {@link TuningSchedulerConfig#minNewJudged()} new ones arrived, or when
 * {@link TuningSchedulerConfig#maxInterval()} passed since the last round with at least
 * {@link TuningSchedulerConfig#minNewForInterval()} new ones (time from the injected {@link Clock}).
 *
 * <p>A round: build the {@link TrainingJob} ({@link TrainingJobBuilder}: the serving version as its
 * base, a target version above every version ever published, so a re-run of the job publishes the
 * same key), send it ({@link JobSink}), and wait for its outcome: {@link JobPublished} (a worker
 * published the candidate), {@link JobFailed} (dead-lettered), or no outcome within
 * {@link TuningSchedulerConfig#jobTimeout()}. Never two rounds at once. Failures and timeouts feed a
 * Resilience4j circuit breaker ({@code engram.tuning.<tenant>}); while it is open no round starts,
 * and after {@link TuningSchedulerConfig#breakerOpenFor()} one trial round runs (half-open). The
 * episodes of a failed round are kept for the next one.
 *
 * <p><b>Idle tenants stop.</b> Started by {@link TuningSchedulers} with the judged-feedback log, a
 * scheduler that has nothing to do (no job in flight or being built, fewer than
 * {@link TuningSchedulerConfig#minNewForInterval()} new judged episodes, the breaker closed) and no
 * message for {@link TuningSchedulerConfig#idleAfter()} asks its router to stop it, handing over its
 * counters ({@link Retained}); the router stops it only if it has handled everything the router
 * sent, and starts a new one on the tenant's next message, which reads the episodes back from the
 * log and takes the counters over.
 *
 * <pre>{@code
 * ActorRef<TuningScheduler.Command> acme = ctx.spawn(TuningScheduler.create("acme", config, sink, versions,
 *         id -> store.get("acme", id), clock, blockingExecutor), "tuning-acme");
 * acme.tell(new TuningScheduler.FeedbackArrived(judgedEpisodes));
 * }</pre>
 */
public final class TuningScheduler extends AbstractBehavior<TuningScheduler.Command> {

    /** Messages a tenant's scheduler understands. */
    public interface Command {}

    /** Episodes of this tenant are durably in the case memory; the judged ones count toward a round. */
    public record FeedbackArrived(List<Episode> episodes) implements Command {
        public FeedbackArrived {
            episodes = List.copyOf(Objects.requireNonNull(episodes, "feedbackArrived.episodes is required"));
        }
    }

    /** Check the time-based trigger and the job time limit now (a timer sends it every tick interval). */
    public record Tick() implements Command {}

    /** A worker published version {@code version} of the adapter for job {@code jobId}. */
    public record JobPublished(String jobId, long version, AdapterStatus status) implements Command {}

    /** Job {@code jobId} was dead-lettered: no adapter will come of it. */
    public record JobFailed(String jobId, String reason) implements Command {}

    /** Answer with the scheduler's {@link Status}. */
    public record GetStatus(ActorRef<Status> replyTo) implements Command {}

    /** Stop now (the router's answer to an idle scheduler; it has handled all the router sent). */
    public record Stop() implements Command {}

    /**
     * What a stopped scheduler hands to its next incarnation: its counters and when its last round
     * was (the episodes come back from the judged-feedback log).
     */
    public record Retained(
            Instant lastRoundAt,
            long lastTargetVersion,
            long roundsStarted,
            long roundsSucceeded,
            long roundsFailed,
            long roundsRefused,
            String lastNote) {}

    /** The timer's tick, told apart from a {@link Tick} someone sent (which counts as a message received). */
    private record TimerTick() implements Command {}

    /**
     * Where a tenant's scheduling stands.
     *
     * @param tenant the tenant
     * @param newJudged judged episodes since the last round (counting toward N)
     * @param remembered older judged episodes kept for replay and retention
     * @param inFlightJobId the job whose outcome it waits for, or null
     * @param lastTargetVersion the target version of the last job made (0 before the first)
     * @param roundsStarted jobs sent
     * @param roundsSucceeded jobs that ended with a published adapter
     * @param roundsFailed jobs dead-lettered or timed out
     * @param roundsRefused rounds that were due while the circuit breaker was open
     * @param breakerState the breaker's state, e.g. {@code CLOSED}
     * @param lastNote why the last due round did not start, or the last failure; {@code ""} when none
     */
    public record Status(
            String tenant,
            int newJudged,
            int remembered,
            String inFlightJobId,
            long lastTargetVersion,
            long roundsStarted,
            long roundsSucceeded,
            long roundsFailed,
            long roundsRefused,
            String breakerState,
            String lastNote) {}

    private record Built(TrainingJobBuilder.Outcome outcome, Throwable failure) implements Command {}

    private record Sent(String jobId, Throwable failure) implements Command {}

    private record InFlight(String jobId, Instant startedAt, List<Episode> consumed) {}

    private final String tenant;
    private final TuningSchedulerConfig config;
    private final JobSink sink;
    private final AdapterVersions versions;
    private final Clock clock;
    private final RoundJobs jobs;
    private final CircuitBreaker breaker;
    private final JudgedRecallLog log;
    private final EpisodeWindow episodes;
    private Instant lastRoundAt;
    private long lastTargetVersion;
    private InFlight inFlight;
    private boolean building;
    private int buildingFrom;
    private int freshAtLastSkip = -1;
    private Instant notBefore = Instant.MIN;
    private long started;
    private long succeeded;
    private long failed;
    private long refused;
    private String lastNote = "";
    private final ActorRef<TuningSchedulers.Command> router;
    /**
     * Messages handled that others sent (not its own timer's or its own results): the router counts
     * what it sent. Kept across a supervisor's restart, as the router's count is.
     */
    private final AtomicLong received;

    private Instant lastActivity;

    private TuningScheduler(
            ActorContext<Command> context,
            String tenant,
            TuningSchedulerConfig config,
            JobSink sink,
            AdapterVersions versions,
            Function<String, Optional<Case>> cases,
            Clock clock,
            Executor executor,
            JudgedRecallLog log,
            ActorRef<TuningSchedulers.Command> router,
            Retained retained,
            AtomicLong received) {
        super(context);
        this.router = router;
        this.received = received;
        this.log = log;
        this.tenant = tenant;
        this.config = config;
        this.sink = sink;
        this.versions = versions;
        this.clock = clock;
        this.jobs = new RoundJobs(
                tenant,
                config,
                versions,
                cases,
                executor,
                new HeldOutTasks(tenant, log, config.historyLimit(), context.getLog()));
        this.breaker = RoundBreaker.of(tenant, config, clock);
        this.lastRoundAt = clock.instant();
        this.lastActivity = clock.instant();
        if (retained != null) {
            lastRoundAt = retained.lastRoundAt();
            lastTargetVersion = retained.lastTargetVersion();
            started = retained.roundsStarted();
            succeeded = retained.roundsSucceeded();
            failed = retained.roundsFailed();
            refused = retained.roundsRefused();
            lastNote = retained.lastNote();
        }
        this.episodes = new EpisodeWindow(tenant, config.historyLimit(), log);
    }

    /**
     * The scheduler of one tenant.
     *
     * @param cases the tenant's case lookup, case id → case (e.g. {@code id -> store.get(tenant, id)})
     * @param executor builds jobs (reads the case memory) off the actor's thread
     */
    public static Behavior<Command> create(
            String tenant,
            TuningSchedulerConfig config,
            JobSink sink,
            AdapterVersions versions,
            Function<String, Optional<Case>> cases,
            Clock clock,
            Executor executor) {
        return create(tenant, config, sink, versions, cases, clock, executor, null);
    }

    /**
     * As {@link #create(String, TuningSchedulerConfig, JobSink, AdapterVersions, Function, Clock, Executor)},
     * starting from the tenant's {@link JudgedRecallLog} (its fresh episodes count toward the next
     * round, its older ones are the replay and retention memory) and advancing the log's mark when a
     * round succeeds, so a restarted node continues where it was.
     *
     * @param log the node's judged-feedback log, or null to keep everything in memory only
     */
    public static Behavior<Command> create(
            String tenant,
            TuningSchedulerConfig config,
            JobSink sink,
            AdapterVersions versions,
            Function<String, Optional<Case>> cases,
            Clock clock,
            Executor executor,
            JudgedRecallLog log) {
        return create(tenant, config, sink, versions, cases, clock, executor, log, null, null);
    }

    /**
     * As above, as a child of {@code router}, which it asks to stop it when idle (never without a log);
     * {@code retained} the counters of the tenant's previous scheduler, or null.
     */
    static Behavior<Command> create(
            String tenant,
            TuningSchedulerConfig config,
            JobSink sink,
            AdapterVersions versions,
            Function<String, Optional<Case>> cases,
            Clock clock,
            Executor executor,
            JudgedRecallLog log,
            ActorRef<TuningSchedulers.Command> router,
            Retained retained) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(versions, "versions");
        Objects.requireNonNull(cases, "cases");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(executor, "executor");
        AtomicLong received = new AtomicLong();
        return Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(new TimerTick(), config.tickInterval());
            return Behaviors.setup(ctx -> new TuningScheduler(
                    ctx, tenant, config, sink, versions, cases, clock, executor, log, router, retained, received));
        });
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(FeedbackArrived.class, f -> {
                    active();
                    return onFeedback(f);
                })
                .onMessage(Tick.class, t -> {
                    received.incrementAndGet();
                    return onTick();
                })
                .onMessage(TimerTick.class, t -> onTimerTick())
                .onMessage(JobPublished.class, p -> {
                    active();
                    return onPublished(p);
                })
                .onMessage(JobFailed.class, f -> {
                    active();
                    return onFailed(f.jobId(), "dead-lettered: " + f.reason());
                })
                .onMessage(Built.class, this::onBuilt)
                .onMessage(Sent.class, this::onSent)
                .onMessage(GetStatus.class, g -> {
                    received.incrementAndGet();
                    return onGetStatus(g);
                })
                .onMessage(Stop.class, stop -> Behaviors.stopped())
                .build();
    }

    private void active() {
        received.incrementAndGet();
        lastActivity = clock.instant();
    }

    private Behavior<Command> onTimerTick() {
        Behavior<Command> next = onTick();
        if (router != null && log != null && idle()) {
            router.tell(new TuningSchedulers.SchedulerIdle(
                    tenant,
                    getContext().getSelf(),
                    received.get(),
                    new Retained(lastRoundAt, lastTargetVersion, started, succeeded, failed, refused, lastNote)));
        }
        return next;
    }

    /** Nothing to do and nothing heard for {@code idleAfter}: all it knows is in the log or in {@link Retained}. */
    private boolean idle() {
        return inFlight == null
                && !building
                && (episodes.freshCount() < config.minNewForInterval() || episodes.freshCount() == freshAtLastSkip)
                && breaker.getState() == CircuitBreaker.State.CLOSED
                && !Duration.between(lastActivity, clock.instant())
                        .minus(config.idleAfter())
                        .isNegative();
    }

    private Behavior<Command> onFeedback(FeedbackArrived arrived) {
        episodes.accept(arrived.episodes());
        return maybeStart();
    }

    private Behavior<Command> onTick() {
        Instant now = clock.instant();
        if (inFlight != null
                && !Duration.between(inFlight.startedAt(), now)
                        .minus(config.jobTimeout())
                        .isNegative()) {
            return onFailed(inFlight.jobId(), "no adapter and no dead letter within " + config.jobTimeout());
        }
        return maybeStart();
    }

    private Behavior<Command> maybeStart() {
        if (inFlight != null || building || !versions.caughtUp()) {
            return this;
        }
        Instant now = clock.instant();
        int fresh = episodes.freshCount();
        boolean byCount = fresh >= config.minNewJudged();
        boolean byTime = fresh >= config.minNewForInterval()
                && !Duration.between(lastRoundAt, now)
                        .minus(config.maxInterval())
                        .isNegative();
        if (!(byCount || byTime) || fresh == freshAtLastSkip || now.isBefore(notBefore)) {
            return this;
        }
        if (!breaker.tryAcquirePermission()) {
            refused++;
            note("a round is due (" + fresh + " new judged episodes) but the circuit breaker is " + breaker.getState()
                    + " after failed jobs");
            return this;
        }
        RoundJobs.Round round = jobs.next(lastTargetVersion, episodes, now);
        building = true;
        buildingFrom = round.fresh().size();
        getContext().pipeToSelf(jobs.build(round), Built::new);
        return this;
    }

    private Behavior<Command> onBuilt(Built built) {
        building = false;
        Optional<TrainingJob> job = built.failure() == null ? built.outcome().job() : Optional.empty();
        if (job.isEmpty()) {
            breaker.releasePermission();
            freshAtLastSkip = episodes.freshCount();
            note(
                    built.failure() != null
                            ? "building the job failed: " + built.failure()
                            : "round not started: " + built.outcome().reason());
            return this;
        }
        TrainingJob j = job.get();
        // Only what the job was built from is consumed; episodes that arrived meanwhile stay fresh.
        List<Episode> consumed = episodes.takeFresh(buildingFrom);
        freshAtLastSkip = -1;
        lastTargetVersion = j.targetVersion();
        lastRoundAt = j.createdAt();
        jobs.sending(j);
        inFlight = new InFlight(j.jobId(), clock.instant(), consumed);
        started++;
        getContext().getLog().info("tuning round for {}: {}", tenant, j);
        getContext().pipeToSelf(sink.send(j), (ok, failure) -> new Sent(j.jobId(), failure));
        return this;
    }

    private Behavior<Command> onSent(Sent sent) {
        if (sent.failure() == null || inFlight == null || !inFlight.jobId().equals(sent.jobId())) {
            return this;
        }
        // Not on Kafka, so no worker will run it: a transport fault, not a worker failure. Retry later.
        breaker.releasePermission();
        episodes.giveBack(inFlight.consumed());
        inFlight = null;
        notBefore = clock.instant().plus(config.tickInterval());
        note("sending the job failed, will retry: " + sent.failure());
        return this;
    }

    private Behavior<Command> onPublished(JobPublished published) {
        if (inFlight == null || !inFlight.jobId().equals(published.jobId())) {
            return this;
        }
        breaker.onSuccess(elapsedNanos(), TimeUnit.NANOSECONDS);
        succeeded++;
        episodes.consumed(
                inFlight.consumed(),
                e -> getContext()
                        .getLog()
                        .warn(
                                "tuning {}: could not persist the feedback mark {}: {}",
                                tenant,
                                episodes.mark(),
                                e.toString()));
        getContext()
                .getLog()
                .info(
                        "tuning round {} of {} ended: v{} published as {}",
                        published.jobId(),
                        tenant,
                        published.version(),
                        published.status());
        inFlight = null;
        lastNote = "";
        return maybeStart();
    }

    private Behavior<Command> onFailed(String jobId, String reason) {
        if (inFlight == null || !inFlight.jobId().equals(jobId)) {
            return this;
        }
        breaker.onError(elapsedNanos(), TimeUnit.NANOSECONDS, new RoundBreaker.RoundFailed(reason));
        failed++;
        episodes.giveBack(inFlight.consumed());
        inFlight = null;
        note("job " + jobId + " failed: " + reason);
        return maybeStart();
    }

    private Behavior<Command> onGetStatus(GetStatus request) {
        request.replyTo()
                .tell(new Status(
                        tenant,
                        episodes.freshCount(),
                        episodes.olderCount(),
                        inFlight == null ? null : inFlight.jobId(),
                        lastTargetVersion,
                        started,
                        succeeded,
                        failed,
                        refused,
                        breaker.getState().name(),
                        lastNote));
        return this;
    }

    private long elapsedNanos() {
        return Math.max(
                0, Duration.between(inFlight.startedAt(), clock.instant()).toNanos());
    }

    private void note(String note) {
        if (!note.equals(lastNote)) {
            getContext().getLog().info("tuning {}: {}", tenant, note);
        }
        lastNote = note;
    }
}
