package dev.engram.tools.eval;

/**
 * One round of rounds mode, for one seed.
 *
 * @param seed the seed
 * @param round 1-based
 * @param trainingTasks feedback tasks fitted on so far
 * @param gateTasks gate tasks so far (never fitted on)
 * @param policy the round's policy, as {@code RankerPolicy.describe()} writes it
 * @param newTasksNdcg the round's policy: mean nDCG@10 on the new (held-out) tasks
 * @param gate the gate's verdict against the previous round's policy on the gate tasks; null without gate tasks
 * @param gateReason the verdict's reason
 * @param gateTest the paired test the verdict was decided on; null without gate tasks
 * @param trueGain the same comparison on the new tasks: the true direction
 * @param agrees whether the verdict matched the true direction (promote iff the mean gain on the new
 *     tasks is ≥ 0); null without gate tasks
 */
public record RoundResult(
        long seed,
        int round,
        int trainingTasks,
        int gateTasks,
        String policy,
        double newTasksNdcg,
        Boolean gate,
        String gateReason,
        Gain gateTest,
        Gain trueGain,
        Boolean agrees) {}
