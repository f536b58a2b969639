package dev.engram.memory;

/**
 * An agent's verdict on one case that was recalled for its task.
 *
 * @param caseId the recalled case
 * @param rank 1-based rank at which it was shown
 * @param useful {@code true}/{@code false} when judged per case, {@code null} when only the
 *     episode's reward speaks for it
 */
public record Judgement(String caseId, int rank, Boolean useful) {
    public Judgement {
        if (caseId == null || caseId.isBlank()) {
            throw new IllegalArgumentException("judgement.caseId is required");
        }
        if (rank < 1) {
            throw new IllegalArgumentException("judgement.rank must be >= 1, was " + rank);
        }
    }
}
