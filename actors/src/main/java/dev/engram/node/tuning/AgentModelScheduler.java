package dev.engram.node.tuning;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStore;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AgentModelJob;
import dev.engram.streams.FeedbackEvent;
import dev.engram.streams.KafkaConnection;
import dev.engram.streams.RetrievedCase;
import dev.engram.streams.TrainingJobPublisher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks for agent-model rounds: keeps each tenant's newest successful episodes (reward at or above
 * {@link AgentModelRoundsConfig#minReward()}, with a plan) as the ingest pipeline makes them durable,
 * and once {@link AgentModelRoundsConfig#minNewEpisodes()} new ones arrived sends an
 * {@link AgentModelJob} to {@code engram.training-jobs} with them and the texts of the cases they
 * judged useful (from the case store). The job targets the version above the highest published or
 * asked for, and starts from the version that serves now (the newest whose signed plan-loss verdict
 * promotes it), so rounds continue one from the other. One job per tenant is out at a time: the next
 * waits until the node has read a version at least the job's target, or the job timed out (looked at
 * with each batch and every {@link #RECHECK}).
 *
 * <pre>{@code
 * AgentModelScheduler rounds = AgentModelScheduler.start(AgentModelRoundsConfig.every(50), kafka,
 *         "engram-agent-model-scheduler-" + nodeId, store, versions, clock, blocking);
 * BatchWriter writer = new BatchWriter(..., rounds.feedbackListener());
 * }</pre>
 *
 * <p>The episodes are held in memory: after a restart a tenant's count starts again from the
 * episodes ingested since (the case memory keeps no record of which recalled cases helped).
 */
public final class AgentModelScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentModelScheduler.class);

    /**
     * How often tenants with enough new episodes are looked at again without a new batch: a round
     * whose predecessor came back after the last batch starts within this time.
     */
    static final Duration RECHECK = Duration.ofSeconds(30);

    private final AgentModelRoundsConfig config;
    private final KafkaConnection kafka;
    private final String transactionalId;
    private final CaseStore store;
    private final AdapterVersions versions;
    private final Clock clock;
    private final Executor executor;
    private final Map<String, TenantRounds> tenants = new HashMap<>();
    private final ScheduledExecutorService recheck;
    private TrainingJobPublisher publisher;

    private AgentModelScheduler(
            AgentModelRoundsConfig config,
            KafkaConnection kafka,
            String transactionalId,
            CaseStore store,
            AdapterVersions versions,
            Clock clock,
            Executor executor) {
        this.config = config;
        this.kafka = kafka;
        this.transactionalId = transactionalId;
        this.store = store;
        this.versions = versions;
        this.clock = clock;
        this.executor = executor;
        this.recheck = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "engram-agent-model-rounds");
            t.setDaemon(true);
            return t;
        });
        recheck.scheduleWithFixedDelay(this::recheckAll, RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void recheckAll() {
        List<String> due;
        synchronized (tenants) {
            due = tenants.entrySet().stream()
                    .filter(e -> e.getValue().fresh >= config.minNewEpisodes())
                    .map(Map.Entry::getKey)
                    .toList();
        }
        for (String tenant : due) {
            try {
                maybeSend(tenant);
            } catch (RuntimeException e) {
                log.warn("agent-model round of {} not started: {}", tenant, e.toString());
            }
        }
    }

    /**
     * A scheduler; its publisher is made with the first job.
     *
     * @param versions the agent-model adapters' versions as the node's registry has read them
     * @param executor where jobs are built and sent (blocking: case lookups and Kafka)
     */
    public static AgentModelScheduler start(
            AgentModelRoundsConfig config,
            KafkaConnection kafka,
            String transactionalId,
            CaseStore store,
            AdapterVersions versions,
            Clock clock,
            Executor executor) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("agent-model rounds are switched off in this configuration");
        }
        return new AgentModelScheduler(config, kafka, transactionalId, store, versions, clock, executor);
    }

    /** Hand this to the ingest pipeline: every durable batch's episodes. */
    public Consumer<List<Episode>> feedbackListener() {
        return this::arrived;
    }

    private void arrived(List<Episode> episodes) {
        Set<String> touched = new LinkedHashSet<>();
        synchronized (tenants) {
            for (Episode e : episodes) {
                if (e.reward() >= config.minReward() && !e.plan().isBlank()) {
                    tenants.computeIfAbsent(e.tenant(), t -> new TenantRounds()).add(e, config.maxEpisodes());
                    touched.add(e.tenant());
                }
            }
        }
        for (String tenant : touched) {
            maybeSend(tenant);
        }
    }

    private void maybeSend(String tenant) {
        String name = AgentModelRoundsConfig.adapterName(tenant);
        AgentModelJob job;
        synchronized (tenants) {
            TenantRounds rounds = tenants.get(tenant);
            Instant now = clock.instant();
            if (rounds.fresh < config.minNewEpisodes() || rounds.episodes.size() < AgentModelJob.MIN_EPISODES) {
                return;
            }
            if (!versions.caughtUp()) {
                return; // the version numbers are not known yet; the next batch asks again
            }
            if (rounds.sentTarget > 0
                    && versions.highest(name) < rounds.sentTarget
                    && now.isBefore(rounds.sentAt.plus(config.jobTimeout()))) {
                return; // the last round is still out
            }
            long target = Math.max(versions.highest(name), rounds.sentTarget) + 1;
            Long base = versions.serving(name).orElse(null);
            List<FeedbackEvent> events = new ArrayList<>();
            for (Episode e : rounds.episodes.values()) {
                events.add(event(e));
            }
            job = new AgentModelJob(
                    AgentModelJob.SCHEMA_VERSION,
                    AdapterKind.AGENT_MODEL,
                    name + "-v" + target + "-" + now.toEpochMilli(),
                    tenant,
                    name,
                    target,
                    base,
                    config.minReward(),
                    events,
                    List.of(),
                    now,
                    1);
            rounds.sentTarget = target;
            rounds.sentAt = now;
            rounds.fresh = 0;
        }
        AgentModelJob toSend = job;
        CompletableFuture.runAsync(() -> send(withUsefulCases(toSend)), executor)
                .whenComplete((ok, e) -> {
                    if (e != null) {
                        log.warn("agent-model job {} not sent: {}", toSend.jobId(), e.toString());
                        synchronized (tenants) {
                            TenantRounds rounds = tenants.get(tenant);
                            rounds.sentTarget = 0;
                            rounds.fresh = config.minNewEpisodes(); // ask again with the next batch
                        }
                    } else {
                        log.info("sent {}", toSend);
                    }
                });
    }

    /** The job with the texts of the cases its episodes judged useful, looked up off the ingest thread. */
    private AgentModelJob withUsefulCases(AgentModelJob job) {
        Map<String, AgentModelJob.CaseText> texts = new LinkedHashMap<>();
        for (FeedbackEvent e : job.episodes()) {
            for (RetrievedCase c : e.retrieved()) {
                if (Boolean.TRUE.equals(c.useful()) && !texts.containsKey(c.caseId())) {
                    Optional<Case> found = store.get(job.tenant(), c.caseId());
                    found.ifPresent(k -> texts.put(
                            c.caseId(),
                            new AgentModelJob.CaseText(c.caseId(), Case.text(k.task(), k.plan(), k.outcome()))));
                }
            }
        }
        return new AgentModelJob(
                job.schemaVersion(),
                job.kind(),
                job.jobId(),
                job.tenant(),
                job.adapterName(),
                job.targetVersion(),
                job.baseAdapterVersion(),
                job.minReward(),
                job.episodes(),
                List.copyOf(texts.values()),
                job.createdAt(),
                job.attempt());
    }

    private synchronized void send(AgentModelJob job) {
        if (publisher == null) {
            publisher = TrainingJobPublisher.transactional(kafka, transactionalId);
        }
        try {
            publisher.publish(job);
        } catch (RuntimeException e) {
            publisher.close();
            publisher = null;
            throw e;
        }
    }

    private static FeedbackEvent event(Episode e) {
        List<RetrievedCase> retrieved = new ArrayList<>();
        for (Judgement j : e.judgements()) {
            retrieved.add(new RetrievedCase(j.caseId(), j.rank(), j.useful()));
        }
        return FeedbackEvent.of(
                e.eventId(),
                e.tenant(),
                e.agentId().isBlank() ? "unknown" : e.agentId(),
                e.timestamp(),
                e.task(),
                e.plan(),
                e.outcome(),
                e.reward(),
                retrieved);
    }

    @Override
    public void close() {
        recheck.shutdownNow();
        closePublisher();
    }

    private synchronized void closePublisher() {
        if (publisher != null) {
            publisher.close();
            publisher = null;
        }
    }

    /** One tenant's successful episodes (newest kept, by event id) and its round in flight. */
    private static final class TenantRounds {
        final LinkedHashMap<String, Episode> episodes = new LinkedHashMap<>();
        int fresh;
        long sentTarget;
        Instant sentAt = Instant.EPOCH;

        void add(Episode e, int max) {
            if (episodes.putIfAbsent(e.eventId(), e) != null) {
                return; // a replayed episode
            }
            fresh++;
            while (episodes.size() > max) {
                episodes.remove(episodes.keySet().iterator().next());
            }
        }
    }
}
