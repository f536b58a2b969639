package dev.engram.node.tuning;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import dev.engram.retriever.tuning.CaseText;
import dev.engram.retriever.tuning.FeedbackExamples;
import dev.engram.retriever.tuning.JudgedRecall;
import dev.engram.streams.EventLimits;
import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TrainingExample;
import dev.engram.streams.TrainingJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds the self-contained {@link TrainingJob} of one tuning round from a tenant's judged feedback
 * and its case memory, with the retriever's {@link FeedbackExamples} rules (per-case verdicts, the
 * reward fallback, votes, judged hard negatives).
 *
 * <ul>
 *   <li><b>Held-out</b>: a slice ({@link TuningSchedulerConfig#heldOutFraction()}) of the round's
 *       <em>new</em> judged queries that have at least one useful case; each becomes a
 *       {@link HeldOutQuery} whose candidates are the cases recalled for it, with gain 1 (useful)
 *       or 0 (judged not useful). Their episodes are kept out of training. Once held out, always held
 *       out: tasks held out in an earlier round are held out again when they recur and never
 *       trained on (agents repeat tasks; otherwise a later round's "held-out" queries would be ones
 *       the parent was trained on, and the gate would reward memorising them). The rest of the
 *       slice is a seeded sample of the new tasks.</li>
 *   <li><b>Examples</b>: one per (task, useful case) of the other new episodes, then the examples
 *       of remembered older episodes in a seeded order: all of them when the job's continuation is
 *       {@code retrain-from-base} (a fresh adapter learns from all the feedback so far), else a
 *       replay of at most {@link TuningSchedulerConfig#replayFraction()} per new example; at most
 *       {@link TuningSchedulerConfig#maxExamples()} in all.</li>
 *   <li><b>Retention</b>: a seeded sample of older judged queries (trained on in earlier rounds),
 *       to catch forgetting.</li>
 * </ul>
 * The seed is the LoRA seed mixed with the target version, so a rebuilt round is the same round.
 *
 * <pre>{@code
 * TrainingJobBuilder.Outcome built = new TrainingJobBuilder(config).build(tenant, 4, 3L, fresh, older,
 *         id -> store.get(tenant, id), clock.instant());
 * built.job().ifPresent(jobs::publish);
 * }</pre>
 */
public final class TrainingJobBuilder {

    private final TuningSchedulerConfig config;

    public TrainingJobBuilder(TuningSchedulerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * What {@link #build} made: a job, or why there is none yet.
     *
     * @param job the job, when the feedback supports one
     * @param reason why there is no job ({@code ""} when there is one)
     */
    public record Outcome(Optional<TrainingJob> job, String reason) {
        public Outcome {
            Objects.requireNonNull(job, "outcome.job");
            Objects.requireNonNull(reason, "outcome.reason");
        }

        static Outcome none(String reason) {
            return new Outcome(Optional.empty(), reason);
        }
    }

    /** Builds the round's job when no task was held out before; see the full form. */
    public Outcome build(
            String tenant,
            long targetVersion,
            Long baseVersion,
            List<Episode> fresh,
            List<Episode> older,
            Function<String, Optional<Case>> lookup,
            Instant createdAt) {
        return build(tenant, targetVersion, baseVersion, fresh, older, lookup, createdAt, Set.of());
    }

    /**
     * Builds the round's job.
     *
     * @param targetVersion the version the adapter will be published as
     * @param baseVersion the version it starts from, or null for the base model
     * @param fresh judged episodes that arrived since the last round
     * @param older remembered judged episodes of earlier rounds (replay and retention)
     * @param lookup case id → the tenant's case (e.g. {@code id -> store.get(tenant, id)})
     * @param heldOutBefore tasks (stripped) held out by earlier rounds: held out again, never trained on
     */
    public Outcome build(
            String tenant,
            long targetVersion,
            Long baseVersion,
            List<Episode> fresh,
            List<Episode> older,
            Function<String, Optional<Case>> lookup,
            Instant createdAt,
            Set<String> heldOutBefore) {
        FeedbackExamples feedback = FeedbackExamples.builder()
                .maxHardNegatives(Math.min(config.maxHardNegatives(), TrainingExample.MAX_HARD_NEGATIVES))
                .build();
        Random random = new Random(config.lora().seed() * 1_000_003L + targetVersion);

        Map<String, List<JudgedRecall>> freshQueries = byTask(feedback.judgedRecalls(fresh, lookup));
        List<String> eligible = new ArrayList<>(freshQueries.keySet());
        if (eligible.isEmpty()) {
            return Outcome.none(fresh.size() + " new judged episodes, but none has a known case judged useful");
        }
        Collections.shuffle(eligible, random);
        int cap = eligible.size() == 1 ? 1 : Math.min(config.maxHeldOutQueries(), eligible.size() - 1);
        int heldOutCount = eligible.size() == 1
                ? 1
                : (int) Math.max(1, Math.min(cap, Math.round(eligible.size() * config.heldOutFraction())));
        // Recurring held-out tasks first (as many as recur, up to the cap), then new ones up to the share.
        Set<String> heldOutTasks = new LinkedHashSet<>();
        eligible.stream().filter(heldOutBefore::contains).limit(cap).forEach(heldOutTasks::add);
        eligible.stream()
                .filter(t -> !heldOutBefore.contains(t))
                .limit(Math.max(0, heldOutCount - heldOutTasks.size()))
                .forEach(heldOutTasks::add);

        List<Episode> newTraining = fresh.stream()
                .filter(e -> trainable(e, heldOutTasks, heldOutBefore))
                .toList();
        List<Episode> olderTraining = older.stream()
                .filter(e -> trainable(e, heldOutTasks, heldOutBefore))
                .toList();
        List<dev.engram.retriever.tuning.TrainingExample> all =
                new ArrayList<>(feedback.trainingExamples(newTraining, lookup));
        List<dev.engram.retriever.tuning.TrainingExample> replayPool =
                new ArrayList<>(feedback.trainingExamples(olderTraining, lookup));
        Collections.shuffle(replayPool, random);
        long olderCount = config.lora().continuation() == LoraTrainingConfig.Continuation.RETRAIN_FROM_BASE
                ? replayPool.size()
                : Math.round(config.replayFraction() * all.size());
        all.addAll(replayPool.subList(0, (int) Math.min(replayPool.size(), olderCount)));
        List<TrainingExample> examples = all.stream()
                .limit(config.maxExamples())
                .map(TrainingJobBuilder::example)
                .toList();
        if (examples.isEmpty()) {
            return Outcome.none("no training example left once " + heldOutCount + " judged queries are held out ("
                    + fresh.size() + " new, " + older.size() + " older judged episodes)");
        }

        List<HeldOutQuery> heldOut =
                heldOutTasks.stream().map(t -> query(t, freshQueries.get(t))).toList();
        Map<String, List<JudgedRecall>> olderQueries = byTask(feedback.judgedRecalls(older, lookup));
        List<String> retentionTasks = new ArrayList<>(olderQueries.keySet());
        retentionTasks.removeAll(heldOutTasks);
        retentionTasks.removeAll(heldOutBefore);
        Collections.shuffle(retentionTasks, random);
        List<HeldOutQuery> retention = retentionTasks.stream()
                .limit(config.retentionQueries())
                .map(t -> query(t, olderQueries.get(t)))
                .toList();

        String jobId = tenant + "-v" + targetVersion + "-" + createdAt.toEpochMilli();
        return new Outcome(
                Optional.of(new TrainingJob(
                        TrainingJob.SCHEMA_VERSION,
                        jobId,
                        tenant,
                        TuningSchedulerConfig.adapterName(tenant),
                        targetVersion,
                        baseVersion,
                        config.baseModelId(),
                        config.method(),
                        config.lora(),
                        examples,
                        heldOut,
                        retention,
                        createdAt,
                        1,
                        null)),
                "");
    }

    private static boolean trainable(Episode e, Set<String> heldOut, Set<String> heldOutBefore) {
        String task = e.task().strip();
        return !heldOut.contains(task) && !heldOutBefore.contains(task);
    }

    /** The judged recalls of the queries that have at least one useful case, by task, in first-seen order. */
    private static Map<String, List<JudgedRecall>> byTask(List<JudgedRecall> recalls) {
        Map<String, List<JudgedRecall>> byTask = new LinkedHashMap<>();
        for (JudgedRecall r : recalls) {
            byTask.computeIfAbsent(r.task(), t -> new ArrayList<>()).add(r);
        }
        byTask.values().removeIf(list -> list.stream().noneMatch(JudgedRecall::useful));
        return byTask;
    }

    private static HeldOutQuery query(String task, List<JudgedRecall> recalls) {
        List<HeldOutQuery.Candidate> candidates = recalls.stream()
                .limit(HeldOutQuery.MAX_CANDIDATES)
                .map(r -> new HeldOutQuery.Candidate(
                        r.recalled().caseId(), fit(r.recalled().text()), r.useful() ? 1 : 0))
                .toList();
        return new HeldOutQuery("q-" + Integer.toHexString(task.hashCode()), fitTask(task), candidates);
    }

    private static TrainingExample example(dev.engram.retriever.tuning.TrainingExample e) {
        return new TrainingExample(
                fitTask(e.query()),
                fit(e.positive().text()),
                e.hardNegatives().stream()
                        .map(CaseText::text)
                        .map(TrainingJobBuilder::fit)
                        .toList());
    }

    private static String fit(String text) {
        return text.length() <= TrainingExample.MAX_CASE_TEXT_CHARS
                ? text
                : text.substring(0, TrainingExample.MAX_CASE_TEXT_CHARS);
    }

    private static String fitTask(String task) {
        return task.length() <= EventLimits.MAX_TASK_CHARS ? task : task.substring(0, EventLimits.MAX_TASK_CHARS);
    }
}
