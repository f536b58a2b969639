package dev.engram.memory;

import java.util.List;
import java.util.Objects;

/**
 * The cases recalled for a query: {@code ranked} holds the top k in the ranker's order, and
 * {@code positives} / {@code negatives} partition it (AgentFly-style), each in ranked order.
 *
 * <p>A case is <b>positive</b> when its reward is at least
 * {@link CaseStoreConfig#positiveRewardThreshold()} and it is not mostly judged useless: once it has
 * at least {@link CaseStoreConfig#minJudgementsForUsefulness()} judgements, fewer than half of
 * them may have said "not useful" ({@code 2 * timesUseful >= timesRecalled}). Every other case is
 * <b>negative</b>: an example of what not to do.
 *
 * <pre>{@code
 * RecallResult r = store.recall(RecallQuery.bm25("acme", "flutter of a heated wing", 10));
 * r.positives().forEach(s -> prompt.addExample(s.match().plan()));
 * r.negatives().forEach(s -> prompt.addCounterExample(s.match().plan()));
 * }</pre>
 */
public record RecallResult(List<ScoredCase> ranked, List<ScoredCase> positives, List<ScoredCase> negatives) {
    public RecallResult {
        ranked = List.copyOf(Objects.requireNonNull(ranked, "recallResult.ranked is required"));
        positives = List.copyOf(Objects.requireNonNull(positives, "recallResult.positives is required"));
        negatives = List.copyOf(Objects.requireNonNull(negatives, "recallResult.negatives is required"));
        if (positives.size() + negatives.size() != ranked.size()) {
            throw new IllegalArgumentException("recallResult.positives (" + positives.size() + ") and negatives ("
                    + negatives.size() + ") must partition ranked (" + ranked.size() + ")");
        }
    }

    /** An empty result. */
    public static RecallResult empty() {
        return new RecallResult(List.of(), List.of(), List.of());
    }
}
