package dev.engram.node.tuning;

import dev.engram.memory.CaseStore;
import dev.engram.memory.Episode;
import dev.engram.streams.KafkaConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training side of a node, started with it: the {@link TuningSchedulers} actor, the
 * {@link AdapterTopicFollower} that reports job outcomes and the {@link KafkaJobSink}. Training
 * workers are separate (the worker module); a launcher that wants one in the same process starts it
 * beside the node when {@link TuningSchedulerConfig#runsWorker} says so. The ingest
 * pipeline calls {@link #feedbackListener()} with every batch of episodes once they are durable.
 *
 * <pre>{@code
 * TuningLoop tuning = TuningLoop.start(config.tuning(), bootstrap, nodeId, judgedLog, system, store,
 *         clock, blocking, registryServing, policyFitter);
 * BatchWriter writer = new BatchWriter(..., tuning.feedbackListener());
 * ...
 * tuning.close();
 * }</pre>
 */
public final class TuningLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TuningLoop.class);
    /** How long closing waits for a policy proposal that is running. */
    private static final Duration PROPOSAL_STOP_WAIT = Duration.ofSeconds(60);

    private final ActorSystem<?> system;
    private final ActorRef<TuningSchedulers.Command> router;
    private final ServingVersions versions;
    private final JudgedRecallLog judged;
    private final Deque<AutoCloseable> resources;

    private TuningLoop(
            ActorSystem<?> system,
            ActorRef<TuningSchedulers.Command> router,
            ServingVersions versions,
            JudgedRecallLog judged,
            Deque<AutoCloseable> resources) {
        this.system = system;
        this.judged = judged;
        this.versions = versions;
        this.router = router;
        this.resources = resources;
    }

    /**
     * Starts the schedulers.
     *
     * @param nodeId the node's stable id: names its job publisher's transaction
     * @param judged the node's judged-feedback log, so scheduling survives a restart; null keeps it
     *     in memory only
     * @param serving adapter name → the version serving now (the node's registry: it applies the
     *     gate, pins and rollbacks); null for the newest version published as PROMOTED on the topic
     * @param proposer fits the ranker policy each round's version is published with; null for none
     */
    public static TuningLoop start(
            TuningSchedulerConfig config,
            String bootstrapServers,
            String nodeId,
            JudgedRecallLog judged,
            ActorSystem<SpawnProtocol.Command> system,
            CaseStore store,
            Clock clock,
            Executor blocking,
            Function<String, Optional<Long>> serving,
            PolicyProposer proposer) {
        return start(
                config,
                KafkaConnection.of(bootstrapServers),
                nodeId,
                judged,
                system,
                store,
                clock,
                blocking,
                serving,
                proposer);
    }

    /** As above, over a connection with client properties (SASL, SSL). */
    public static TuningLoop start(
            TuningSchedulerConfig config,
            KafkaConnection kafka,
            String nodeId,
            JudgedRecallLog judged,
            ActorSystem<SpawnProtocol.Command> system,
            CaseStore store,
            Clock clock,
            Executor blocking,
            Function<String, Optional<Long>> serving,
            PolicyProposer proposer) {
        Deque<AutoCloseable> resources = new ArrayDeque<>();
        try {
            KafkaJobSink kafkaSink = JobSink.kafka(kafka, "engram-scheduler-" + nodeId, blocking);
            resources.push(kafkaSink);
            JobSink sink = proposer == null ? kafkaSink : withPolicies(kafkaSink, proposer, judged, resources);
            AtomicReference<ActorRef<TuningSchedulers.Command>> routerRef = new AtomicReference<>();
            AdapterTopicFollower follower = AdapterTopicFollower.start(kafka, new AdapterTopicFollower.Listener() {
                @Override
                public void adapter(dev.engram.streams.AdapterPublished adapter) {
                    ActorRef<TuningSchedulers.Command> r = routerRef.get();
                    if (r != null) {
                        r.tell(new TuningSchedulers.AdapterSeen(adapter));
                    }
                }

                @Override
                public void jobDeadLettered(String tenant, String jobId, String reason) {
                    ActorRef<TuningSchedulers.Command> r = routerRef.get();
                    if (r != null) {
                        r.tell(new TuningSchedulers.JobDeadLettered(tenant, jobId, reason));
                    }
                }
            });
            resources.push(follower);
            ServingVersions versions = new ServingVersions(follower, serving);
            CompletionStage<ActorRef<TuningSchedulers.Command>> spawned = AskPattern.ask(
                    system,
                    replyTo -> new SpawnProtocol.Spawn<>(
                            Behaviors.supervise(TuningSchedulers.create(
                                            config, sink, versions, store::get, clock, blocking, judged))
                                    .onFailure(org.apache.pekko.actor.typed.SupervisorStrategy.restart()),
                            "tuning",
                            Props.empty(),
                            replyTo),
                    Duration.ofSeconds(10),
                    system.scheduler());
            ActorRef<TuningSchedulers.Command> router =
                    spawned.toCompletableFuture().get(30, TimeUnit.SECONDS);
            routerRef.set(router);
            // Tenants with enough fresh feedback for T get their scheduler now, so T can fire without new
            // feedback; the others start with their next event (a scheduler for every tenant ever seen
            // would hold every tenant's feedback in the heap).
            for (String tenant : judged == null ? List.<String>of() : judged.tenants()) {
                if (judged.freshCount(tenant) >= config.minNewForInterval()) {
                    router.tell(new TuningSchedulers.ToTenant(tenant, new TuningScheduler.Tick()));
                }
            }
            return new TuningLoop(system, router, versions, judged, resources);
        } catch (Exception e) {
            closeAll(resources);
            throw new IllegalStateException("starting the tuning schedulers failed: " + e, e);
        }
    }

    /** Hand this to the ingest pipeline: it forwards every durable batch's episodes to the schedulers. */
    public Consumer<List<Episode>> feedbackListener() {
        return episodes -> {
            List<Episode> judgedEpisodes =
                    episodes.stream().filter(e -> !e.judgements().isEmpty()).toList();
            if (judgedEpisodes.isEmpty()) {
                return;
            }
            if (judged != null) {
                try {
                    // Durable before the schedulers count them; a replayed episode is not appended twice.
                    judged.append(judgedEpisodes);
                } catch (RuntimeException e) {
                    log.warn("judged feedback not logged ({}); counted in memory only", e.toString());
                }
            }
            router.tell(new TuningSchedulers.FeedbackArrived(judgedEpisodes));
        };
    }

    /** The router, e.g. to ask a tenant's status with {@link TuningSchedulers.ToTenant}. */
    public ActorRef<TuningSchedulers.Command> schedulers() {
        return router;
    }

    /** Asks a tenant's scheduler where it stands. */
    public CompletableFuture<TuningScheduler.Status> status(String tenant) {
        return AskPattern.<TuningSchedulers.Command, TuningScheduler.Status>ask(
                        router,
                        replyTo -> new TuningSchedulers.ToTenant(tenant, new TuningScheduler.GetStatus(replyTo)),
                        Duration.ofSeconds(10),
                        system.scheduler())
                .toCompletableFuture();
    }

    /** Stops the follower and the sink. */
    @Override
    public void close() {
        closeAll(resources);
    }

    /** The follower's answers, with the serving version from the registry once it is known. */
    private static final class ServingVersions implements AdapterVersions {
        private final AdapterTopicFollower follower;
        private final Function<String, Optional<Long>> serving;

        ServingVersions(AdapterTopicFollower follower, Function<String, Optional<Long>> serving) {
            this.follower = follower;
            this.serving = serving != null ? serving : follower::serving;
        }

        @Override
        public boolean caughtUp() {
            return follower.caughtUp();
        }

        @Override
        public Optional<Long> serving(String adapterName) {
            return serving.apply(adapterName);
        }

        @Override
        public long highest(String adapterName) {
            return follower.highest(adapterName);
        }
    }

    /**
     * The sink with each job given its tenant's proposed ranker policy first. Proposals embed with the
     * node's encoder: they run on their own thread, stopped and waited for on close, so none is still
     * embedding when the node's owner closes the encoder.
     */
    private static JobSink withPolicies(
            KafkaJobSink kafkaSink, PolicyProposer proposer, JudgedRecallLog judged, Deque<AutoCloseable> resources) {
        ExecutorService proposals = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "engram-policy-proposals");
            t.setDaemon(true);
            return t;
        });
        resources.push(() -> stopProposals(proposals));
        return kafkaSink.withPolicies(
                proposer, tenant -> judged == null ? List.of() : judged.heldOutTasks(tenant), proposals);
    }

    /** Drops the proposals not started and waits for the one running (it cannot be interrupted mid-batch). */
    private static void stopProposals(ExecutorService proposals) throws InterruptedException {
        proposals.shutdownNow();
        if (!proposals.awaitTermination(PROPOSAL_STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
            log.warn("a ranker policy proposal still runs {} after the stop was asked", PROPOSAL_STOP_WAIT);
        }
    }

    private static void closeAll(Deque<AutoCloseable> resources) {
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                log.warn("while stopping the tuning loop: {}", e.toString());
            }
        }
    }
}
