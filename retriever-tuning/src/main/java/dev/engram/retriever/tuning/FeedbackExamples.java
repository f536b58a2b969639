package dev.engram.retriever.tuning;

import dev.engram.memory.Case;
import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns a tenant's feedback into training data for the retriever and the case selector.
 *
 * <p>The rules:
 * <ul>
 *   <li><b>Verdict.</b> A judgement's {@code useful} decides; when it is {@code null}, the episode's
 *       reward speaks for every case it recalled (AgentFly): useful when the reward is at least
 *       {@link Builder#usefulRewardThreshold} (0.5, the case store's positive threshold).</li>
 *   <li><b>Votes.</b> The same task may be judged in several episodes. A (task, case) pair is a
 *       positive when more verdicts said useful than not, a hard negative when fewer did, and is
 *       dropped on a tie.</li>
 *   <li><b>Hard negatives</b> of a task, best-ranked first, at most {@link Builder#maxHardNegatives}:
 *       first the cases recalled for it and judged not useful; then, from the optional miner (the
 *       current retriever's ranking for the task), the highest-ranked cases that are not a positive
 *       of the task and were never judged useful for any task in this feedback nor in the store's
 *       statistics ({@link Case#timesUseful()} = 0).</li>
 *   <li>Judgements of cases the lookup does not know, or with blank text, are skipped and counted.</li>
 * </ul>
 *
 * <pre>{@code
 * FeedbackExamples feedback = FeedbackExamples.builder()
 *         .maxHardNegatives(4)
 *         .hardNegativeMiner(task -> store.recall(RecallQuery.bm25(tenant, task, 30)).ranked()
 *                 .stream().map(s -> s.match().caseId()).toList())
 *         .build();
 * List<TrainingExample> examples = feedback.trainingExamples(episodes, id -> store.get(tenant, id));
 * List<JudgedRecall> judged = feedback.judgedRecalls(episodes, id -> store.get(tenant, id));
 * }</pre>
 */
public final class FeedbackExamples {

    private final double usefulRewardThreshold;
    private final int maxHardNegatives;
    private final Function<String, List<String>> miner;
    private int skippedJudgements;

    private FeedbackExamples(Builder b) {
        this.usefulRewardThreshold = b.usefulRewardThreshold;
        this.maxHardNegatives = b.maxHardNegatives;
        this.miner = b.miner;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The verdict on one judgement of an episode, with the reward fallback. */
    public boolean isUseful(Episode episode, Judgement judgement) {
        return judgement.useful() != null ? judgement.useful() : episode.reward() >= usefulRewardThreshold;
    }

    /**
     * Every judged (task, case) pair of the feedback, one per pair after the vote (ties dropped), in
     * the order the pairs first appear.
     *
     * @param lookup a case id → the case (e.g. {@code id -> store.get(tenant, id)})
     */
    public List<JudgedRecall> judgedRecalls(List<Episode> episodes, Function<String, Optional<Case>> lookup) {
        return new Tally(episodes, lookup).decided();
    }

    /**
     * One example per (task, useful case), with the task's hard negatives.
     *
     * @param lookup a case id → the case (e.g. {@code id -> store.get(tenant, id)})
     */
    public List<TrainingExample> trainingExamples(List<Episode> episodes, Function<String, Optional<Case>> lookup) {
        Tally tally = new Tally(episodes, lookup);
        Map<String, List<CaseText>> positives = new LinkedHashMap<>();
        Map<String, List<JudgedRecall>> negatives = new HashMap<>();
        for (JudgedRecall r : tally.decided()) {
            if (r.useful()) {
                positives.computeIfAbsent(r.task(), t -> new ArrayList<>()).add(r.recalled());
            } else {
                negatives.computeIfAbsent(r.task(), t -> new ArrayList<>()).add(r);
            }
        }
        List<TrainingExample> out = new ArrayList<>();
        for (Map.Entry<String, List<CaseText>> e : positives.entrySet()) {
            String task = e.getKey();
            Set<String> positiveIds = new LinkedHashSet<>();
            e.getValue().forEach(c -> positiveIds.add(c.caseId()));
            List<CaseText> hard =
                    hardNegatives(task, positiveIds, negatives.getOrDefault(task, List.of()), tally, lookup);
            for (CaseText positive : e.getValue()) {
                out.add(new TrainingExample(task, positive, hard));
            }
        }
        return out;
    }

    /** Judgements skipped by the last call because their case was unknown or had no text. */
    public int skippedJudgements() {
        return skippedJudgements;
    }

    private List<CaseText> hardNegatives(
            String task,
            Set<String> positiveIds,
            List<JudgedRecall> judgedNegatives,
            Tally tally,
            Function<String, Optional<Case>> lookup) {
        List<CaseText> hard = new ArrayList<>();
        Set<String> taken = new LinkedHashSet<>(positiveIds);
        judgedNegatives.stream()
                .sorted((a, b) -> Integer.compare(a.rank(), b.rank()))
                .forEach(r -> {
                    if (hard.size() < maxHardNegatives && taken.add(r.recalled().caseId())) {
                        hard.add(r.recalled());
                    }
                });
        if (miner != null && hard.size() < maxHardNegatives) {
            for (String id : miner.apply(task)) {
                if (hard.size() >= maxHardNegatives) {
                    break;
                }
                if (taken.contains(id) || tally.everUseful(id)) {
                    continue;
                }
                Optional<Case> c = lookup.apply(id);
                if (c.isEmpty() || c.get().timesUseful() > 0 || c.get().text().isBlank()) {
                    continue;
                }
                taken.add(id);
                hard.add(CaseText.of(c.get()));
            }
        }
        return hard;
    }

    /** Verdict votes per (task, case), in first-seen order. */
    private final class Tally {
        private final Map<String, Map<String, int[]>> votes = new LinkedHashMap<>();
        private final Map<String, CaseText> texts = new HashMap<>();
        private final Set<String> usefulSomewhere = new java.util.HashSet<>();

        Tally(List<Episode> episodes, Function<String, Optional<Case>> lookup) {
            skippedJudgements = 0;
            for (Episode episode : episodes) {
                String task = episode.task().strip();
                if (task.isEmpty()) {
                    skippedJudgements += episode.judgements().size();
                    continue;
                }
                for (Judgement j : episode.judgements()) {
                    CaseText text = texts.get(j.caseId());
                    if (text == null) {
                        Optional<Case> c = lookup.apply(j.caseId());
                        if (c.isEmpty() || c.get().text().isBlank()) {
                            skippedJudgements++;
                            continue;
                        }
                        text = CaseText.of(c.get());
                        texts.put(j.caseId(), text);
                    }
                    boolean useful = isUseful(episode, j);
                    // {useful votes, not-useful votes, best rank}
                    int[] v = votes.computeIfAbsent(task, t -> new LinkedHashMap<>())
                            .computeIfAbsent(j.caseId(), id -> new int[] {0, 0, Integer.MAX_VALUE});
                    v[useful ? 0 : 1]++;
                    v[2] = Math.min(v[2], j.rank());
                    if (useful) {
                        usefulSomewhere.add(j.caseId());
                    }
                }
            }
        }

        boolean everUseful(String caseId) {
            return usefulSomewhere.contains(caseId);
        }

        List<JudgedRecall> decided() {
            List<JudgedRecall> out = new ArrayList<>();
            for (Map.Entry<String, Map<String, int[]>> task : votes.entrySet()) {
                for (Map.Entry<String, int[]> c : task.getValue().entrySet()) {
                    int[] v = c.getValue();
                    if (v[0] != v[1]) {
                        out.add(new JudgedRecall(task.getKey(), texts.get(c.getKey()), v[2], v[0] > v[1]));
                    }
                }
            }
            return out;
        }
    }

    /** Settings of {@link FeedbackExamples}; every default is given on its setter. */
    public static final class Builder {
        private double usefulRewardThreshold = 0.5;
        private int maxHardNegatives = 4;
        private Function<String, List<String>> miner;

        private Builder() {}

        /** Reward at or above which a {@code null} verdict counts as useful (0.5). */
        public Builder usefulRewardThreshold(double threshold) {
            if (!(threshold >= 0 && threshold <= 1)) {
                throw new IllegalArgumentException("usefulRewardThreshold must be in [0, 1], was " + threshold);
            }
            this.usefulRewardThreshold = threshold;
            return this;
        }

        /** Hard negatives kept per task (4); 0 keeps in-batch negatives only. */
        public Builder maxHardNegatives(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxHardNegatives must be >= 0, was " + max);
            }
            this.maxHardNegatives = max;
            return this;
        }

        /**
         * A task → case ids ranked by the current retriever, best first, from which never-useful
         * high-ranked cases are mined as extra hard negatives; {@code null} (default) mines none.
         */
        public Builder hardNegativeMiner(Function<String, List<String>> miner) {
            this.miner = miner;
            return this;
        }

        public FeedbackExamples build() {
            return new FeedbackExamples(this);
        }
    }
}
