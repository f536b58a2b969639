package dev.engram.node.training;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import dev.engram.retriever.tuning.CaseText;
import dev.engram.retriever.tuning.FeedbackExamples;
import dev.engram.retriever.tuning.JudgedRecall;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.HeldOutQuery;
import dev.engram.streams.LoraTrainingConfig;
import dev.engram.streams.TrainingExample;
import dev.engram.streams.TrainingJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds a self-contained {@link TrainingJob} from a tenant's judged feedback: the tasks of the new
 * episodes are split (seeded) into training tasks, whose (task, useful case) pairs become examples
 * with the recalled-not-useful cases as hard negatives, and held-out tasks, whose recalled cases
 * (gain 1 when judged useful, else 0) score candidate and parent; a seeded sample of older
 * episodes' tasks is the retention set. Case texts come from the store through {@code lookup}.
 *
 * <pre>{@code
 * JobBuilder builder = new JobBuilder(JobBuilder.Settings.defaults());
 * Optional<TrainingJob> job = builder.build("acme", "acme-retriever", 3, 2L, fresh, older,
 *         id -> store.get("acme", id), clock.instant());
 * }</pre>
 */
public final class JobBuilder {

    /**
     * @param heldOutFraction share of the new judged tasks held out for evaluation (at least one)
     * @param maxRetention most older tasks in the retention sample
     * @param seed seeds the split and the sample
     * @param method the adapter method
     * @param config the LoRA settings the job carries
     * @param baseModelId the base encoder's id
     */
    public record Settings(double heldOutFraction, int maxRetention, long seed, AdapterMethod method,
            LoraTrainingConfig config, String baseModelId) {
        public Settings {
            if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
                throw new IllegalArgumentException("settings.heldOutFraction must be in (0, 1), was " + heldOutFraction);
            }
            if (maxRetention < 0) {
                throw new IllegalArgumentException("settings.maxRetention must be >= 0, was " + maxRetention);
            }
            Objects.requireNonNull(method, "settings.method is required");
            Objects.requireNonNull(config, "settings.config is required");
            Objects.requireNonNull(baseModelId, "settings.baseModelId is required");
        }

        /** 20% held out, up to 200 retention tasks, seed 42, query-side LoRA with the default settings on MiniLM. */
        public static Settings defaults() {
            return new Settings(0.2, 200, 42, AdapterMethod.LORA_QUERY_SIDE, LoraTrainingConfig.defaults(),
                    "sentence-transformers/all-MiniLM-L6-v2");
        }
    }

    private final Settings settings;
    private final FeedbackExamples feedback = FeedbackExamples.builder().maxHardNegatives(4).build();

    public JobBuilder(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * The job for this round, or empty when the feedback cannot make one (fewer than two tasks with a
     * useful case: nothing to both train and hold out).
     *
     * @param fresh the judged episodes since the last round
     * @param older earlier judged episodes, for the retention sample
     * @param lookup case id → the tenant's case
     */
    public Optional<TrainingJob> build(String tenant, String adapterName, long targetVersion, Long baseVersion,
            List<Episode> fresh, List<Episode> older, Function<String, Optional<Case>> lookup, Instant now) {
        Map<String, List<JudgedRecall>> byTask = byTask(feedback.judgedRecalls(fresh, lookup));
        List<String> tasks = new ArrayList<>(byTask.keySet());
        if (tasks.size() < 2) {
            return Optional.empty();
        }
        Random random = new Random(settings.seed() ^ targetVersion);
        Collections.shuffle(tasks, random);
        int heldCount = Math.min(tasks.size() - 1, Math.max(1, (int) Math.round(tasks.size() * settings.heldOutFraction())));
        Set<String> held = new HashSet<>(tasks.subList(0, heldCount));
        List<Episode> training = fresh.stream().filter(e -> !held.contains(e.task())).toList();
        List<TrainingExample> examples = feedback.trainingExamples(training, lookup).stream()
                .map(e -> new TrainingExample(e.query(), e.positive().text(),
                        e.hardNegatives().stream().map(CaseText::text).limit(TrainingExample.MAX_HARD_NEGATIVES).toList()))
                .toList();
        List<HeldOutQuery> heldOut = queries(tasks.subList(0, heldCount), byTask, "h");
        if (examples.isEmpty() || heldOut.isEmpty()) {
            return Optional.empty();
        }
        Map<String, List<JudgedRecall>> olderByTask = byTask(feedback.judgedRecalls(older, lookup));
        List<String> olderTasks = new ArrayList<>(olderByTask.keySet());
        olderTasks.removeAll(byTask.keySet());
        Collections.shuffle(olderTasks, random);
        List<HeldOutQuery> retention = queries(olderTasks.subList(0, Math.min(settings.maxRetention(), olderTasks.size())),
                olderByTask, "r");
        return Optional.of(new TrainingJob(TrainingJob.SCHEMA_VERSION, adapterName + "-v" + targetVersion, tenant,
                adapterName, targetVersion, baseVersion, settings.baseModelId(), settings.method(), settings.config(),
                examples, heldOut, retention, now, 1));
    }

    /** Tasks that have at least one case judged useful, with their judged recalls. */
    private static Map<String, List<JudgedRecall>> byTask(List<JudgedRecall> recalls) {
        Map<String, List<JudgedRecall>> all = new LinkedHashMap<>();
        recalls.forEach(r -> all.computeIfAbsent(r.task(), t -> new ArrayList<>()).add(r));
        all.values().removeIf(rs -> rs.stream().noneMatch(JudgedRecall::useful));
        return all;
    }

    private static List<HeldOutQuery> queries(List<String> tasks, Map<String, List<JudgedRecall>> byTask, String prefix) {
        List<HeldOutQuery> out = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            List<HeldOutQuery.Candidate> candidates = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (JudgedRecall r : byTask.get(tasks.get(i))) {
                if (seen.add(r.recalled().caseId())) {
                    String text = r.recalled().text();
                    candidates.add(new HeldOutQuery.Candidate(r.recalled().caseId(),
                            text.length() > TrainingExample.MAX_CASE_TEXT_CHARS
                                    ? text.substring(0, TrainingExample.MAX_CASE_TEXT_CHARS) : text,
                            r.useful() ? 1 : 0));
                }
            }
            out.add(new HeldOutQuery(prefix + (i + 1), tasks.get(i), candidates));
        }
        return out;
    }
}
