package dev.engram.retriever.tuning;

/**
 * One recalled case with its verdict for one task: the training signal of the case selector
 * Q(s, c), and the raw material of {@link TrainingExample}s.
 *
 * @param task the task text the case was recalled for
 * @param recalled the recalled case
 * @param rank 1-based rank at which it was shown (the best rank when judged more than once)
 * @param useful whether it helped (per-case verdict, else the episode's reward against the threshold)
 */
public record JudgedRecall(String task, CaseText recalled, int rank, boolean useful) {

    public JudgedRecall {
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("judgedRecall.task is required and must not be blank");
        }
        if (recalled == null) {
            throw new IllegalArgumentException("judgedRecall.recalled is required");
        }
        if (rank < 1) {
            throw new IllegalArgumentException("judgedRecall.rank must be >= 1, was " + rank);
        }
    }
}
