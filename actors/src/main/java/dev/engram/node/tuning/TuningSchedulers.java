package dev.engram.node.tuning;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import dev.engram.streams.AdapterPublished;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The node's {@link TuningScheduler}s, one child per tenant, spawned on the tenant's first message:
 * routes ingested feedback and job outcomes to the tenant they concern.
 *
 * <p>With the judged-feedback log, a tenant's scheduler that has been idle for
 * {@link TuningSchedulerConfig#idleAfter()} is stopped ({@link SchedulerIdle}) and the tenant's
 * feedback leaves the heap ({@link JudgedRecallLog#evict}); the router keeps only its counters
 * ({@link TuningScheduler.Retained}, a few numbers) and starts a new scheduler on the tenant's next
 * message. So a node with many tenants holds schedulers and feedback for the active ones only.
 *
 * <pre>{@code
 * ActorRef<TuningSchedulers.Command> tuning = ctx.spawn(TuningSchedulers.create(config, sink, follower,
 *         (tenant, id) -> store.get(tenant, id), clock, blocking), "tuning");
 * tuning.tell(new TuningSchedulers.FeedbackArrived(episodes));          // from the ingest pipeline
 * tuning.tell(new TuningSchedulers.AdapterSeen(adapter));               // from the adapter follower
 * }</pre>
 */
public final class TuningSchedulers {

    /** Messages the router understands. */
    public interface Command {}

    /** Episodes (of any tenants) that are now durably in the case memory. */
    public record FeedbackArrived(List<Episode> episodes) implements Command {
        public FeedbackArrived {
            episodes = List.copyOf(Objects.requireNonNull(episodes, "feedbackArrived.episodes is required"));
        }
    }

    /** An adapter version appeared on {@code engram.adapters}. */
    public record AdapterSeen(AdapterPublished adapter) implements Command {}

    /** A training job was dead-lettered. */
    public record JobDeadLettered(String tenant, String jobId, String reason) implements Command {}

    /** Hands {@code command} to {@code tenant}'s scheduler (spawned if needed), e.g. a GetStatus. */
    public record ToTenant(String tenant, TuningScheduler.Command command) implements Command {}

    /** Answer with the tenants whose schedulers run now. */
    public record GetRunning(ActorRef<Set<String>> replyTo) implements Command {}

    /**
     * A scheduler has nothing to do: stop it if it has handled the {@code received} messages the
     * router sent it (else one is on its way, and it will ask again).
     */
    record SchedulerIdle(
            String tenant,
            ActorRef<TuningScheduler.Command> scheduler,
            long received,
            TuningScheduler.Retained retained)
            implements Command {}

    /** A running scheduler and how many messages the router sent it. */
    private static final class Child {
        final ActorRef<TuningScheduler.Command> ref;
        long sent;

        Child(ActorRef<TuningScheduler.Command> ref) {
            this.ref = ref;
        }

        void tell(TuningScheduler.Command command) {
            sent++;
            ref.tell(command);
        }
    }

    private TuningSchedulers() {}

    /**
     * The router.
     *
     * @param cases (tenant, case id) → the case, e.g. {@code store::get}
     */
    public static Behavior<Command> create(
            TuningSchedulerConfig config,
            JobSink sink,
            AdapterVersions versions,
            BiFunction<String, String, Optional<Case>> cases,
            Clock clock,
            Executor executor) {
        return create(config, sink, versions, cases, clock, executor, null);
    }

    /**
     * As above, each tenant's scheduler starting from (and marking) {@code log}; null for memory only
     * (then schedulers never stop, since nothing would bring their state back).
     */
    public static Behavior<Command> create(
            TuningSchedulerConfig config,
            JobSink sink,
            AdapterVersions versions,
            BiFunction<String, String, Optional<Case>> cases,
            Clock clock,
            Executor executor,
            JudgedRecallLog log) {
        return Behaviors.setup(ctx -> new Router(ctx, config, sink, versions, cases, clock, executor, log).behavior());
    }

    private static final class Router {
        private final ActorContext<Command> ctx;
        private final TuningSchedulerConfig config;
        private final JobSink sink;
        private final AdapterVersions versions;
        private final BiFunction<String, String, Optional<Case>> cases;
        private final Clock clock;
        private final Executor executor;
        private final JudgedRecallLog log;
        private final Map<String, Child> tenants = new HashMap<>();
        private final Map<String, TuningScheduler.Retained> retained = new HashMap<>();
        private final Map<String, Long> incarnations = new HashMap<>();

        Router(
                ActorContext<Command> ctx,
                TuningSchedulerConfig config,
                JobSink sink,
                AdapterVersions versions,
                BiFunction<String, String, Optional<Case>> cases,
                Clock clock,
                Executor executor,
                JudgedRecallLog log) {
            this.ctx = ctx;
            this.config = config;
            this.sink = sink;
            this.versions = versions;
            this.cases = cases;
            this.clock = clock;
            this.executor = executor;
            this.log = log;
        }

        Behavior<Command> behavior() {
            return Behaviors.receive(Command.class)
                    .onMessage(FeedbackArrived.class, f -> {
                        Map<String, List<Episode>> byTenant = new LinkedHashMap<>();
                        for (Episode e : f.episodes()) {
                            byTenant.computeIfAbsent(e.tenant(), t -> new ArrayList<>())
                                    .add(e);
                        }
                        byTenant.forEach((tenant, episodes) ->
                                child(tenant).tell(new TuningScheduler.FeedbackArrived(episodes)));
                        return Behaviors.same();
                    })
                    .onMessage(AdapterSeen.class, a -> {
                        // A stopped scheduler had no job in flight: nothing of this concerns it.
                        Child child = tenants.get(a.adapter().tenant());
                        if (child != null) {
                            child.tell(new TuningScheduler.JobPublished(
                                    a.adapter().jobId(),
                                    a.adapter().version(),
                                    a.adapter().status()));
                        }
                        return Behaviors.same();
                    })
                    .onMessage(JobDeadLettered.class, d -> {
                        Child child = tenants.get(d.tenant());
                        if (child != null) {
                            child.tell(new TuningScheduler.JobFailed(d.jobId(), d.reason()));
                        }
                        return Behaviors.same();
                    })
                    .onMessage(ToTenant.class, t -> {
                        child(t.tenant()).tell(t.command());
                        return Behaviors.same();
                    })
                    .onMessage(GetRunning.class, g -> {
                        g.replyTo().tell(Set.copyOf(new TreeSet<>(tenants.keySet())));
                        return Behaviors.same();
                    })
                    .onMessage(SchedulerIdle.class, this::onIdle)
                    .build();
        }

        private Behavior<Command> onIdle(SchedulerIdle idle) {
            Child child = tenants.get(idle.tenant());
            if (child == null || !child.ref.equals(idle.scheduler()) || child.sent != idle.received()) {
                return Behaviors.same(); // stale, or a message is on its way to it
            }
            tenants.remove(idle.tenant());
            retained.put(idle.tenant(), idle.retained());
            child.ref.tell(new TuningScheduler.Stop());
            if (log != null) {
                log.evict(idle.tenant());
            }
            ctx.getLog()
                    .info(
                            "tuning {}: scheduler idle for {}, stopped (its feedback stays in the log)",
                            idle.tenant(),
                            config.idleAfter());
            return Behaviors.same();
        }

        private Child child(String tenant) {
            return tenants.computeIfAbsent(tenant, t -> {
                // A stopping predecessor may still hold its name for a moment: each incarnation has its own.
                long n = incarnations.merge(t, 1L, Long::sum);
                return new Child(ctx.spawn(
                        Behaviors.supervise(TuningScheduler.create(
                                        t,
                                        config,
                                        sink,
                                        versions,
                                        id -> cases.apply(t, id),
                                        clock,
                                        executor,
                                        log,
                                        ctx.getSelf(),
                                        retained.remove(t)))
                                .onFailure(SupervisorStrategy.restart()),
                        n == 1 ? "tenant-" + t : "tenant-" + t + "-" + n));
            });
        }
    }
}
