package dev.engram.tools.eval;

import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.memory.Ranker;
import dev.engram.retriever.eval.Qrels;
import dev.engram.retriever.eval.Query;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Agents that give feedback as the qrels would: each recalls the top {@code k} cases for its task
 * (hybrid recall, base query tower) and judges each one useful exactly when the qrels call it
 * relevant (gain above 0). Only what an agent could tell, a binary verdict on what it was shown,
 * reaches the learned policy; the graded qrels are used for scoring alone.
 *
 * <p>The first pass recalls from an untuned node (reciprocal rank fusion). With several feedback
 * passes ({@code --feedback-passes}) each later pass asks every feedback task again and recalls
 * from the policy that serves after the previous passes, as agents of a node whose policy was
 * promoted would: cases judged useless sink, so unjudged ones reach the top {@code k} and are
 * judged in turn. A task's verdicts accumulate over passes (one verdict per case: the qrels do not
 * change their mind).
 */
final class SimulatedAgents {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private SimulatedAgents() {}

    /** The first pass: every task recalls from the untuned hybrid. */
    static List<FeedbackTask> judge(
            EvalCorpus corpus, String tenant, List<Query> tasks, QueryTower baseTower, Qrels qrels, int k) {
        List<FeedbackTask> out = new ArrayList<>(tasks.size());
        for (Query q : tasks) {
            List<String> shown = corpus.untunedRecall(tenant, q, baseTower.vector(q.id()), k);
            out.add(new FeedbackTask(q, episode(tenant, q, judged(List.of(), shown, qrels.judged(q.id())))));
        }
        return out;
    }

    /** A later pass: every task recalls from {@code serving}; what it had judged before is kept. */
    static List<FeedbackTask> judgeAgain(
            EvalCorpus corpus,
            String tenant,
            List<FeedbackTask> before,
            QueryTower baseTower,
            Qrels qrels,
            int k,
            Ranker serving) {
        List<FeedbackTask> out = new ArrayList<>(before.size());
        for (FeedbackTask f : before) {
            Query q = f.query();
            List<String> shown = corpus.recall(tenant, q, baseTower.vector(q.id()), k, serving);
            out.add(new FeedbackTask(
                    q, episode(tenant, q, judged(f.episode().judgements(), shown, qrels.judged(q.id())))));
        }
        return out;
    }

    /** The earlier judgements, then a verdict on each shown case not judged before. */
    private static List<Judgement> judged(List<Judgement> earlier, List<String> shown, Map<String, Integer> gains) {
        Map<String, Judgement> byCase = new LinkedHashMap<>();
        earlier.forEach(j -> byCase.put(j.caseId(), j));
        for (int rank = 0; rank < shown.size(); rank++) {
            String caseId = shown.get(rank);
            byCase.putIfAbsent(caseId, new Judgement(caseId, rank + 1, gains.getOrDefault(caseId, 0) > 0));
        }
        return List.copyOf(byCase.values());
    }

    private static Episode episode(String tenant, Query q, List<Judgement> judgements) {
        boolean anyUseful = judgements.stream().anyMatch(j -> Boolean.TRUE.equals(j.useful()));
        return new Episode(
                tenant + "-feedback-" + q.id(),
                tenant,
                "simulated-agent",
                T0,
                q.text(),
                "",
                "",
                anyUseful ? 1.0 : 0.0,
                judgements);
    }
}
