package dev.engram.tools.eval;

import java.util.List;
import java.util.Map;

/**
 * Everything {@code engram eval} measured, as {@code eval.json} holds it.
 *
 * @param dataset what was evaluated
 * @param options the settings of the run
 * @param protocol how the figures were made, in words
 * @param pairedTests how the paired tests pool queries, in words
 * @param regimes one table per regime: new tasks, recurring tasks
 * @param fits every policy fit (per seed; and per LoRA tower with {@code --lora})
 * @param lora every LoRA round (empty without {@code --lora})
 * @param rounds rounds mode per system and round over the seeds (empty with one round)
 * @param roundDetails rounds mode per seed, round and system
 * @param gate the gate's agreement with the true direction in rounds mode, per system and in all
 *     (empty with one round)
 * @param otherGateRules for comparison, other gate rules' agreement over all candidates (rule →
 *     "agreed of candidates")
 * @param resources time and memory
 */
public record EvalReport(
        Dataset dataset,
        Map<String, Object> options,
        String protocol,
        String pairedTests,
        List<RegimeTable> regimes,
        List<PolicyFit> fits,
        List<LoraRound> lora,
        List<RoundSummary> rounds,
        List<RoundResult> roundDetails,
        List<GateAgreement> gate,
        Map<String, String> otherGateRules,
        ResourceMonitor.Resources resources) {

    /**
     * The collection and its splits.
     *
     * @param name the BEIR folder's name
     * @param dir the folder as given
     * @param split the qrels split
     * @param documents documents in the corpus
     * @param judgedQueries queries with at least one relevant judgement
     * @param seeds the seeds, in order
     * @param feedbackTasks feedback tasks per seed
     * @param newTasks new (held-out) tasks per seed
     */
    public record Dataset(
            String name,
            String dir,
            String split,
            int documents,
            int judgedQueries,
            List<Long> seeds,
            List<Integer> feedbackTasks,
            List<Integer> newTasks) {}

    /**
     * Every system on one regime.
     *
     * @param regime {@code new} or {@code recurring}
     * @param description what the tasks are
     * @param baseline the best untuned system by mean nDCG@10: what the gains are measured against
     * @param systems the rows, in table order
     */
    public record RegimeTable(String regime, String description, String baseline, List<SystemRow> systems) {

        /** The row of a system. */
        public SystemRow row(String system) {
            return systems.stream()
                    .filter(r -> r.system().equals(system))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no system " + system + " in regime " + regime));
        }
    }

    /**
     * One system on one regime.
     *
     * @param system the system's label
     * @param description what it is
     * @param meanNdcgAt10 mean over seeds of the per-seed mean nDCG@10
     * @param sdNdcgAt10 sample standard deviation of the per-seed means (null with one seed)
     * @param perSeedNdcgAt10 the per-seed means, in seed order
     * @param meanRecallAt100 mean over seeds of the per-seed mean recall@100
     * @param vsBaseline per-query gains over the baseline pooled over seeds (null for the baseline)
     * @param vsBaselinePerSeed the same per seed, in seed order (empty for the baseline)
     */
    public record SystemRow(
            String system,
            String description,
            double meanNdcgAt10,
            Double sdNdcgAt10,
            List<Double> perSeedNdcgAt10,
            double meanRecallAt100,
            Gain vsBaseline,
            List<Gain> vsBaselinePerSeed) {}

    /**
     * One system's round of rounds mode over the seeds.
     *
     * @param system {@code "policy"} or {@code "LoRA <STRATEGY>"}
     * @param round 1-based
     * @param meanTrainingTasks training tasks so far, mean over seeds
     * @param meanGateTasks gate tasks so far, mean over seeds
     * @param meanNewTasksNdcg the round's candidate on new tasks, mean over seeds
     * @param sdNewTasksNdcg its sample standard deviation over seeds (null with one seed)
     * @param vsUntunedNew the candidate against untuned hybrid RRF on new tasks, pooled over seeds
     * @param meanRecurringNdcg the candidate on the tasks trained on so far, mean over seeds
     * @param sdRecurringNdcg its sample standard deviation over seeds (null with one seed)
     * @param vsUntunedRecurring the candidate against untuned hybrid RRF on those, pooled over seeds
     * @param meanTrueGain the candidate's mean gain on new tasks over the serving version, mean over seeds
     * @param meanServingNdcg the serving version on new tasks after the verdict, mean over seeds
     * @param promoted seeds where the gate promoted the candidate
     * @param agreed seeds where that verdict matched the true direction on new tasks
     * @param clear seeds with a verdict where the true direction is clear: the new tasks' 95% interval
     *     of the gain excludes 0 (elsewhere the truth itself is a coin flip at this size)
     * @param agreedWhereClear of those, the seeds where the verdict matched it
     * @param seeds seeds with a verdict
     */
    public record RoundSummary(
            String system,
            int round,
            double meanTrainingTasks,
            double meanGateTasks,
            double meanNewTasksNdcg,
            Double sdNewTasksNdcg,
            Gain vsUntunedNew,
            double meanRecurringNdcg,
            Double sdRecurringNdcg,
            Gain vsUntunedRecurring,
            double meanTrueGain,
            double meanServingNdcg,
            int promoted,
            int agreed,
            int clear,
            int agreedWhereClear,
            int seeds) {}

    /**
     * How well the gate told, over every candidate of rounds mode (per system, and all together).
     *
     * @param system a system, or {@code "all"}
     * @param candidates candidates with a verdict
     * @param agreed verdicts that matched the true direction on new tasks, by its sign:
     *     promote iff the candidate's mean gain over the serving version on the new tasks is ≥ 0
     * @param clear candidates whose true change is clear (its 95% interval on new tasks excludes 0)
     * @param agreedWhereClear of those, the verdicts that matched
     * @param promoted candidates promoted
     * @param promotedLosingOverHalfAPoint promoted candidates whose new-task nDCG@10 fell more than
     *     0.5 points below the version they replaced
     * @param showedGain verdicts whose interval lay above 0
     * @param showedNoChange verdicts whose interval held 0: no measurable change either way
     * @param showedLoss verdicts whose interval lay below 0
     */
    public record GateAgreement(
            String system,
            int candidates,
            int agreed,
            int clear,
            int agreedWhereClear,
            int promoted,
            int promotedLosingOverHalfAPoint,
            int showedGain,
            int showedNoChange,
            int showedLoss) {}

    /** The table of a regime ({@code "new"} or {@code "recurring"}). */
    public RegimeTable regime(String label) {
        return regimes.stream()
                .filter(r -> r.regime().equals(label))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no regime " + label));
    }
}
