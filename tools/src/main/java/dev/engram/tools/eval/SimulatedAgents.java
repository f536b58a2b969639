package dev.engram.tools.eval;

import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.retriever.eval.Qrels;
import dev.engram.retriever.eval.Query;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Agents that give feedback as the qrels would: each recalls the top {@code k} cases for its task
 * from an untuned node (hybrid recall, reciprocal rank fusion, base query tower) and judges each
 * one useful exactly when the qrels call it relevant (gain above 0). Only what an agent could
 * tell, a binary verdict on what it was shown, reaches the learned policy; the graded qrels are
 * used for scoring alone.
 */
final class SimulatedAgents {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private SimulatedAgents() {}

    static List<FeedbackTask> judge(
            EvalCorpus corpus, String tenant, List<Query> tasks, QueryTower baseTower, Qrels qrels, int k) {
        List<FeedbackTask> out = new ArrayList<>(tasks.size());
        for (Query q : tasks) {
            List<String> shown = corpus.untunedRecall(tenant, q, baseTower.vector(q.id()), k);
            Map<String, Integer> gains = qrels.judged(q.id());
            List<Judgement> judgements = new ArrayList<>(shown.size());
            int useful = 0;
            for (int rank = 0; rank < shown.size(); rank++) {
                boolean relevant = gains.getOrDefault(shown.get(rank), 0) > 0;
                useful += relevant ? 1 : 0;
                judgements.add(new Judgement(shown.get(rank), rank + 1, relevant));
            }
            Episode episode = new Episode(
                    tenant + "-feedback-" + q.id(),
                    tenant,
                    "simulated-agent",
                    T0,
                    q.text(),
                    "",
                    "",
                    useful > 0 ? 1.0 : 0.0,
                    judgements);
            out.add(new FeedbackTask(q, episode));
        }
        return out;
    }
}
