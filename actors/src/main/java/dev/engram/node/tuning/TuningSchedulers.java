package dev.engram.node.tuning;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import dev.engram.node.tuning.JudgedRecallLog;
import dev.engram.streams.AdapterPublished;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * <pre>{@code
 * ActorRef<TuningSchedulers.Command> tuning = ctx.spawn(TuningSchedulers.create(config, sink, follower,
 *         (tenant, id) -> store.get(tenant, id), clock, blocking), "tuning");
 * tuning.tell(new TuningSchedulers.FeedbackArrived(episodes));          // from the ingest pipeline
 * tuning.tell(new TuningSchedulers.AdapterSeen(adapter));               // from the adapter follower
 * }</pre>
 */
public final class TuningSchedulers {

    /** Messages the router understands. */
    public interface Command {
    }

    /** Episodes (of any tenants) that are now durably in the case memory. */
    public record FeedbackArrived(List<Episode> episodes) implements Command {
        public FeedbackArrived {
            episodes = List.copyOf(Objects.requireNonNull(episodes, "feedbackArrived.episodes is required"));
        }
    }

    /** An adapter version appeared on {@code engram.adapters}. */
    public record AdapterSeen(AdapterPublished adapter) implements Command {
    }

    /** A training job was dead-lettered. */
    public record JobDeadLettered(String tenant, String jobId, String reason) implements Command {
    }

    /** Hands {@code command} to {@code tenant}'s scheduler (spawned if needed), e.g. a GetStatus. */
    public record ToTenant(String tenant, TuningScheduler.Command command) implements Command {
    }

    private TuningSchedulers() {
    }

    /**
     * The router.
     *
     * @param cases (tenant, case id) → the case, e.g. {@code store::get}
     */
    public static Behavior<Command> create(TuningSchedulerConfig config, JobSink sink, AdapterVersions versions,
            BiFunction<String, String, Optional<Case>> cases, Clock clock, Executor executor) {
        return create(config, sink, versions, cases, clock, executor, null);
    }

    /** As above, each tenant's scheduler starting from (and marking) {@code log}; null for memory only. */
    public static Behavior<Command> create(TuningSchedulerConfig config, JobSink sink, AdapterVersions versions,
            BiFunction<String, String, Optional<Case>> cases, Clock clock, Executor executor, JudgedRecallLog log) {
        return Behaviors.setup(ctx -> {
            Map<String, ActorRef<TuningScheduler.Command>> tenants = new HashMap<>();
            return Behaviors.receive(Command.class)
                    .onMessage(FeedbackArrived.class, f -> {
                        Map<String, List<Episode>> byTenant = new LinkedHashMap<>();
                        for (Episode e : f.episodes()) {
                            byTenant.computeIfAbsent(e.tenant(), t -> new ArrayList<>()).add(e);
                        }
                        byTenant.forEach((tenant, episodes) -> child(ctx, tenants, tenant, config, sink, versions,
                                cases, clock, executor, log).tell(new TuningScheduler.FeedbackArrived(episodes)));
                        return Behaviors.same();
                    })
                    .onMessage(AdapterSeen.class, a -> {
                        ActorRef<TuningScheduler.Command> child = tenants.get(a.adapter().tenant());
                        if (child != null) {
                            child.tell(new TuningScheduler.JobPublished(a.adapter().jobId(), a.adapter().version(),
                                    a.adapter().status()));
                        }
                        return Behaviors.same();
                    })
                    .onMessage(JobDeadLettered.class, d -> {
                        ActorRef<TuningScheduler.Command> child = tenants.get(d.tenant());
                        if (child != null) {
                            child.tell(new TuningScheduler.JobFailed(d.jobId(), d.reason()));
                        }
                        return Behaviors.same();
                    })
                    .onMessage(ToTenant.class, t -> {
                        child(ctx, tenants, t.tenant(), config, sink, versions, cases, clock, executor, log)
                                .tell(t.command());
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static ActorRef<TuningScheduler.Command> child(ActorContext<Command> ctx,
            Map<String, ActorRef<TuningScheduler.Command>> tenants, String tenant, TuningSchedulerConfig config,
            JobSink sink, AdapterVersions versions, BiFunction<String, String, Optional<Case>> cases, Clock clock,
            Executor executor, JudgedRecallLog log) {
        return tenants.computeIfAbsent(tenant, t -> ctx.spawn(Behaviors.supervise(
                        TuningScheduler.create(t, config, sink, versions, id -> cases.apply(t, id), clock, executor, log))
                .onFailure(SupervisorStrategy.restart()), "tenant-" + t));
    }
}
