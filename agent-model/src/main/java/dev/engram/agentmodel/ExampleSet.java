package dev.engram.agentmodel;

import java.util.List;

/**
 * The examples built from a tenant's episodes, and what was left out and why.
 *
 * @param examples one per distinct successful episode, in the order the episodes came
 * @param belowReward episodes whose reward was under the threshold
 * @param withoutPlan successful episodes with no plan to learn
 * @param duplicates successful episodes with the same task and plan as an earlier one
 * @param otherTenant episodes of another tenant (never trained on)
 * @param missingCases useful recalled cases whose text the case memory no longer has
 */
public record ExampleSet(
        List<SftExample> examples,
        int belowReward,
        int withoutPlan,
        int duplicates,
        int otherTenant,
        int missingCases) {

    public ExampleSet {
        examples = List.copyOf(examples);
    }
}
