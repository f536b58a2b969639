package dev.engram.node.tuning;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import dev.engram.streams.TrainingJob;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The jobs of one tenant's tuning rounds, for its {@link TuningScheduler}: what a round starts from
 * (fixed on the actor's thread), its {@link TrainingJob} built from that off the actor's thread
 * ({@link TrainingJobBuilder} reads the case memory), and the tasks a sent job held out, so that a
 * later round holds them out again ({@link HeldOutTasks}). Used by one actor only, so not
 * thread-safe; {@link #build} touches nothing of it but the builder and the case lookup.
 *
 * <pre>{@code
 * RoundJobs.Round round = jobs.next(lastTargetVersion, episodes, clock.instant());
 * getContext().pipeToSelf(jobs.build(round), Built::new);
 * }</pre>
 */
final class RoundJobs {

    /**
     * What a round's job is built from, fixed when the round starts.
     *
     * @param targetVersion the version the adapter will be published as: above every version ever
     *     published, so a re-run of the job publishes the same key
     * @param baseVersion the version it starts from (the serving one, below the target), or
     *     {@code null} for the base model
     * @param fresh the judged episodes that arrived since the last round
     * @param older the remembered judged episodes of earlier rounds (replay and retention)
     * @param heldOutBefore the tasks earlier rounds held out
     * @param at when the round started (the job's creation time)
     */
    record Round(
            long targetVersion,
            Long baseVersion,
            List<Episode> fresh,
            List<Episode> older,
            Set<String> heldOutBefore,
            Instant at) {}

    private final String tenant;
    private final AdapterVersions versions;
    private final Function<String, Optional<Case>> cases;
    private final Executor executor;
    private final TrainingJobBuilder builder;
    private final HeldOutTasks heldOutTasks;

    /**
     * @param cases the tenant's case lookup, case id → case
     * @param executor builds jobs off the actor's thread
     */
    RoundJobs(
            String tenant,
            TuningSchedulerConfig config,
            AdapterVersions versions,
            Function<String, Optional<Case>> cases,
            Executor executor,
            HeldOutTasks heldOutTasks) {
        this.tenant = tenant;
        this.versions = versions;
        this.cases = cases;
        this.executor = executor;
        this.builder = new TrainingJobBuilder(config);
        this.heldOutTasks = heldOutTasks;
    }

    /** The round that starts now: its versions, and copies of the episodes and held-out tasks it uses. */
    Round next(long lastTargetVersion, EpisodeWindow episodes, Instant now) {
        String adapter = TuningSchedulerConfig.adapterName(tenant);
        long target = Math.max(lastTargetVersion, versions.highest(adapter)) + 1;
        Long base = versions.serving(adapter).filter(v -> v < target).orElse(null);
        return new Round(target, base, episodes.freshCopy(), episodes.olderCopy(), heldOutTasks.snapshot(), now);
    }

    /** Builds the round's job on the executor; the stage completes with it, or with why there is none. */
    CompletableFuture<TrainingJobBuilder.Outcome> build(Round round) {
        return CompletableFuture.supplyAsync(
                () -> builder.build(
                        tenant,
                        round.targetVersion(),
                        round.baseVersion(),
                        round.fresh(),
                        round.older(),
                        cases,
                        round.at(),
                        round.heldOutBefore()),
                executor);
    }

    /** The job is being sent: its held-out tasks stay held out in every later round. */
    void sending(TrainingJob job) {
        heldOutTasks.addFrom(job);
    }
}
