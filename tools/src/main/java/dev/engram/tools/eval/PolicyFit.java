package dev.engram.tools.eval;

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
        double seconds) {}
