package dev.engram.retriever.tuning.internal;

import dev.engram.retriever.tuning.CaseText;
import dev.engram.retriever.tuning.TrainingExample;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Plans every step of a round up front (so that step {@code s} always sees the same batch, resumed
 * or not): each epoch shuffles the examples, cuts them into batches, and gives each example its
 * next hard negatives in turn.
 */
public final class BatchPlan {

    private BatchPlan() {}

    public static List<ContrastiveBatch> plan(
            List<TrainingExample> examples, int epochs, int batchSize, int hardNegativesPerExample, Random random) {
        Map<String, Set<String>> positivesOf = new HashMap<>();
        for (TrainingExample e : examples) {
            positivesOf
                    .computeIfAbsent(e.query(), q -> new HashSet<>())
                    .add(e.positive().caseId());
        }
        List<ContrastiveBatch> batches = new ArrayList<>();
        List<TrainingExample> order = new ArrayList<>(examples);
        for (int epoch = 0; epoch < epochs; epoch++) {
            Collections.shuffle(order, random);
            for (int from = 0; from < order.size(); from += batchSize) {
                List<TrainingExample> slice = order.subList(from, Math.min(order.size(), from + batchSize));
                if (slice.size() < 2
                        && hardNegatives(slice.get(0), epoch, hardNegativesPerExample)
                                .isEmpty()) {
                    continue; // one query and nothing to contrast it with
                }
                batches.add(batch(slice, epoch, hardNegativesPerExample, positivesOf));
            }
        }
        return batches;
    }

    private static ContrastiveBatch batch(
            List<TrainingExample> slice, int epoch, int perExample, Map<String, Set<String>> positivesOf) {
        List<String> queries = new ArrayList<>();
        List<CaseText> candidates = new ArrayList<>();
        for (TrainingExample e : slice) {
            queries.add(e.query());
            candidates.add(e.positive());
        }
        for (TrainingExample e : slice) {
            candidates.addAll(hardNegatives(e, epoch, perExample));
        }
        boolean[][] excluded = new boolean[queries.size()][candidates.size()];
        for (int i = 0; i < queries.size(); i++) {
            Set<String> positives = positivesOf.getOrDefault(queries.get(i), Set.of());
            for (int j = 0; j < candidates.size(); j++) {
                excluded[i][j] = j != i && positives.contains(candidates.get(j).caseId());
            }
        }
        return new ContrastiveBatch(queries, candidates, excluded);
    }

    /** The example's hard negatives for this epoch: the next {@code n} of its list, cycling. */
    static List<CaseText> hardNegatives(TrainingExample e, int epoch, int n) {
        List<CaseText> all = e.hardNegatives();
        if (all.isEmpty() || n == 0) {
            return List.of();
        }
        List<CaseText> out = new ArrayList<>();
        for (int k = 0; k < Math.min(n, all.size()); k++) {
            out.add(all.get((epoch * n + k) % all.size()));
        }
        return out;
    }
}
