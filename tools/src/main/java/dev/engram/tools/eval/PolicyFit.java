package dev.engram.tools.eval;

import java.util.List;

/**
 * What one fit of the learned policy found, for the report.
 *
 * @param seed the seed
 * @param tower the query tower the fit used
 * @param feedbackTasks the feedback tasks it was fitted on
 * @param fusionWeight the fitted BM25 weight of score fusion
 * @param fusionTrainingNdcg mean nDCG@10 at that weight on the feedback tasks, scored with the agents'
 *     binary verdicts (optimistic: fitted there); null when no verdict was useful
 * @param judgedRecalls judged (task, case) pairs: the selector's training examples
 * @param usefulRecalls how many of them were judged useful
 * @param selector whether the selector was trained, and why not
 * @param selectorLoss the selector's last-epoch loss (null when not trained)
 * @param policy the policy as {@code RankerPolicy.describe()} writes it
 * @param proposed the policy a node's round proposes, its threshold fitted leave-one-out on the
 *     feedback tasks ({@code ReuseFit})
 * @param proposedLooNdcg its mean leave-one-out nDCG@10 on the feedback tasks' verdicts (null when none was useful)
 * @param baseLooNdcg reciprocal rank fusion's mean nDCG@10 on the same tasks and verdicts
 * @param expansion the task expansion weights fitted leave-one-out on the feedback tasks, over RRF and
 *     over the proposed policy ({@code ExpansionFit}); null when no verdict was useful
 * @param variants each variant of the proposed policy's reuse as fitted ({@link ReuseVariants}), with
 *     its leave-one-out nDCG@10; empty when no verdict was useful
 * @param seconds how long the fit took
 */
public record PolicyFit(
        long seed,
        String tower,
        int feedbackTasks,
        double fusionWeight,
        Double fusionTrainingNdcg,
        int judgedRecalls,
        long usefulRecalls,
        String selector,
        Double selectorLoss,
        String policy,
        String proposed,
        Double proposedLooNdcg,
        Double baseLooNdcg,
        String expansion,
        List<String> variants,
        double seconds) {}
