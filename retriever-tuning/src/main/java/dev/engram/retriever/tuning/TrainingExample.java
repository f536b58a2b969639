package dev.engram.retriever.tuning;

import java.util.List;

/**
 * One contrastive training example: a task, a case that was useful for it, and hard negatives:
 * cases that were recalled for it but did not help.
 *
 * @param query the task text (without any instruction prefix; the trainer adds it)
 * @param positive a case judged useful for the task
 * @param hardNegatives cases recalled for the task but judged not useful, or ranked high and never
 *     useful, best-ranked first; may be empty; copied
 */
public record TrainingExample(String query, CaseText positive, List<CaseText> hardNegatives) {

    public TrainingExample {
        if (query == null || query.isBlank()) {
            throw new IllegalArgumentException("trainingExample.query is required and must not be blank");
        }
        if (positive == null) {
            throw new IllegalArgumentException("trainingExample.positive is required (query: " + query + ")");
        }
        if (hardNegatives == null || hardNegatives.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("trainingExample.hardNegatives is required and must not contain null");
        }
        hardNegatives = List.copyOf(hardNegatives);
        for (CaseText n : hardNegatives) {
            if (n.caseId().equals(positive.caseId())) {
                throw new IllegalArgumentException(
                        "trainingExample.hardNegatives contains the positive case " + positive.caseId());
            }
        }
    }
}
