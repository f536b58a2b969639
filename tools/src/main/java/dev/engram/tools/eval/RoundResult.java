package dev.engram.tools.eval;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Map;

/**
 * One candidate of rounds mode, for one seed: a system's version after a round, its figures, and
 * the gate's verdict on it against the system's serving version.
 *
 * @param seed the seed
 * @param round 1-based
 * @param system {@code "policy"} (the ranker policy refitted on the base tower) or
 *     {@code "LoRA <STRATEGY>"} (the round's query-side adapter under untuned RRF)
 * @param trainingTasks feedback tasks trained on so far
 * @param gateTasks gate tasks so far (never trained on)
 * @param version what the candidate is, in words
 * @param newTasksNdcg the candidate's mean nDCG@10 on the new (held-out) tasks
 * @param recurringNdcg its mean nDCG@10 on the tasks trained on so far, asked again
 * @param vsUntunedNew the candidate against untuned hybrid RRF on the new tasks
 * @param vsUntunedRecurring the same on the recurring tasks
 * @param gate the gate's verdict against the serving version on the gate tasks; null without gate tasks
 * @param gateReading what the gate's interval shows: {@code "gain"} (above 0), {@code "loss"} (below
 *     0) or {@code "no measurable change"}; null without gate tasks
 * @param gateReason the verdict's reason
 * @param gateTest the paired test the verdict was decided on; null without gate tasks
 * @param trueGain the same comparison on the new tasks: the true direction
 * @param agrees whether the verdict matched the true direction (promote iff the
 *     mean gain on the new tasks is ≥ 0); null without gate tasks
 * @param servingNewTasksNdcg the serving version's mean nDCG@10 on the new tasks after the verdict
 * @param otherRulesAgree for comparison, whether other gate rules on the same candidate would have
 *     agreed with the truth (rule → agrees; empty without gate tasks): the point estimate alone, an
 *     80% interval, the lower bound alone, and the gate tasks plus the training tasks asked again
 * @param newGains per new task, the candidate's nDCG@10 minus untuned RRF's (for the tests pooled
 *     over seeds; not in the JSON)
 * @param recurringGains the same per recurring task (not in the JSON)
 */
public record RoundResult(
        long seed,
        int round,
        String system,
        int trainingTasks,
        int gateTasks,
        String version,
        double newTasksNdcg,
        double recurringNdcg,
        Gain vsUntunedNew,
        Gain vsUntunedRecurring,
        Boolean gate,
        String gateReading,
        String gateReason,
        Gain gateTest,
        Gain trueGain,
        Boolean agrees,
        double servingNewTasksNdcg,
        Map<String, Boolean> otherRulesAgree,
        @JsonIgnore Map<String, Double> newGains,
        @JsonIgnore Map<String, Double> recurringGains) {

    /** Whether the new tasks' interval of the true gain excludes 0. */
    @JsonIgnore
    public boolean truthClear() {
        return trueGain.lower() > 0 || trueGain.upper() < 0;
    }
}
