package dev.engram.tools.eval;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.Ranker;
import dev.engram.retriever.eval.GateVerdict;
import dev.engram.retriever.eval.PairedTest;
import dev.engram.retriever.eval.Qrels;
import dev.engram.retriever.eval.Query;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Rounds mode: the feedback tasks arrive in N seeded slices (a seeded shuffle, never id order). Of
 * each slice a share is held out for the gate and never fitted on, as the node's scheduler does;
 * after each round the policy is refitted on all training feedback so far and
 * {@link PairedTest#verdict()} (the gate's rule: promote when the 95% interval's lower bound is
 * above −0.01 and the mean gain ≥ 0) compares it with the previous round's policy (round 0: the
 * untuned hybrid) on every gate task so far. Then the true direction: the same two policies on the
 * new (held-out) tasks, which no round sees.
 */
final class RoundsEvaluation {

    /** Salt of the slices' shuffle, so that it differs from the split's shuffle of the same seed. */
    private static final long SLICE_SALT = 0x5EED_51CEL;

    private final EvalOptions options;
    private final EvalCorpus corpus;
    private final QueryTower tower;
    private final Qrels qrels;
    private final EvalProgress progress;

    RoundsEvaluation(EvalOptions options, EvalCorpus corpus, QueryTower tower, Qrels qrels, EvalProgress progress) {
        this.options = options;
        this.corpus = corpus;
        this.tower = tower;
        this.qrels = qrels;
        this.progress = progress;
    }

    List<RoundResult> run(
            long seed,
            String tenant,
            List<FeedbackTask> feedback,
            List<Query> newTasks,
            Map<String, CandidateLists> lists,
            Ranker untuned) {
        List<FeedbackTask> shuffled = new ArrayList<>(feedback);
        shuffled.sort(Comparator.comparing(f -> f.query().id()));
        Collections.shuffle(shuffled, new Random(seed ^ SLICE_SALT));
        int n = options.rounds();
        List<FeedbackTask> training = new ArrayList<>();
        List<Query> gate = new ArrayList<>();
        List<RoundResult> results = new ArrayList<>();
        LearnedPolicy previous = null;
        Ranker previousRanker = untuned;
        try {
            for (int r = 1; r <= n; r++) {
                List<FeedbackTask> slice = shuffled.subList((r - 1) * shuffled.size() / n, r * shuffled.size() / n);
                int gateCount = (int) Math.round(slice.size() * options.gateFraction());
                slice.subList(0, gateCount).forEach(f -> gate.add(f.query()));
                training.addAll(slice.subList(gateCount, slice.size()));
                if (training.isEmpty()) {
                    progress.note(
                            "seed %d round %d: no training task yet (slices of %d, gate share %.2f); skipped",
                            seed, r, slice.size(), options.gateFraction());
                    continue;
                }
                LearnedPolicy policy = LearnedPolicy.fit(seed, tenant, training, tower, lists, corpus, untuned);
                Ranker ranker = policy.ranker(EvalSystem.POLICY);
                Map<String, Double> candidateNew = ndcg(newTasks, ranker, lists);
                Map<String, Double> previousNew = ndcg(newTasks, previousRanker, lists);
                Gain trueGain = Gain.of(PairedTest.of(candidateNew, previousNew));
                Boolean promote = null;
                String reason = "no gate tasks (gate share " + options.gateFraction() + ")";
                Gain gateTest = null;
                if (!gate.isEmpty()) {
                    Map<String, Double> candidateGate = ndcg(gate, ranker, lists);
                    PairedTest test = PairedTest.of(candidateGate, ndcg(gate, previousRanker, lists));
                    GateVerdict verdict = test.verdict();
                    promote = verdict.promote();
                    reason = verdict.reason();
                    gateTest = Gain.of(test);
                }
                double mean = candidateNew.values().stream()
                        .mapToDouble(Double::doubleValue)
                        .average()
                        .orElse(0);
                Boolean agrees = promote == null ? null : promote == (trueGain.meanGain() >= 0);
                results.add(new RoundResult(
                        seed,
                        r,
                        training.size(),
                        gate.size(),
                        policy.policy().describe(),
                        mean,
                        promote,
                        reason,
                        gateTest,
                        trueGain,
                        agrees));
                progress.note(
                        "seed %d round %d: %d training / %d gate tasks, %s; new tasks nDCG@10 %.4f (%+.2f points"
                                + " vs round %d); gate %s%s",
                        seed,
                        r,
                        training.size(),
                        gate.size(),
                        policy.policy().describe(),
                        mean,
                        100 * trueGain.meanGain(),
                        r - 1,
                        promote == null ? "-" : promote ? "PROMOTE" : "REJECT",
                        agrees == null ? "" : agrees ? " (agrees)" : " (DISAGREES)");
                if (previous != null) {
                    previous.close();
                }
                previous = policy;
                previousRanker = ranker;
            }
        } finally {
            if (previous != null) {
                previous.close();
            }
        }
        return results;
    }

    private Map<String, Double> ndcg(List<Query> queries, Ranker ranker, Map<String, CandidateLists> lists) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Query q : queries) {
            if (qrels.hasRelevant(q.id())) {
                out.put(
                        q.id(),
                        Rankings.score(q, Rankings.of(EvalSystem.POLICY, ranker, lists.get(q.id())), qrels)
                                .ndcgAt10());
            }
        }
        return out;
    }
}
