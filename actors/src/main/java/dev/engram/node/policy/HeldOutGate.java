package dev.engram.node.policy;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.CaseStore;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.ScoredCase;
import dev.engram.node.registry.CandidateEvaluation;
import dev.engram.node.registry.ServingAdapter;
import dev.engram.retriever.eval.PairedTest;
import dev.engram.retriever.eval.RetrievalMetrics;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate's own measurement: candidate and serving version each recall every task the tenant has
 * held out so far, as the node would serve it (hybrid, the version's query tower and ranker policy,
 * on the node's case store), and are scored per task by nDCG@10 against the judgements the task's
 * recalls received (useful = gain 1). The per-task scores go to a seeded paired test; the gate's
 * margins decide. Held-out tasks are never trained on and never in the judged-case memory.
 */
public final class HeldOutGate implements CandidateEvaluation {

    private static final Logger log = LoggerFactory.getLogger(HeldOutGate.class);
    private static final int K = 10;

    private final CaseStore store;
    private final JudgedTasks judgedTasks;
    private final PolicyRankers rankers;

    private final double confidence;

    /** A gate whose paired interval covers {@link PairedTest#DEFAULT_CONFIDENCE}. */
    public HeldOutGate(CaseStore store, JudgedTasks judgedTasks, PolicyRankers rankers) {
        this(store, judgedTasks, rankers, PairedTest.DEFAULT_CONFIDENCE);
    }

    /** @param confidence the paired bootstrap interval's coverage, in (0, 1) (e.g. {@code PromotionGate.confidence()}) */
    public HeldOutGate(CaseStore store, JudgedTasks judgedTasks, PolicyRankers rankers, double confidence) {
        this.store = Objects.requireNonNull(store, "store");
        this.judgedTasks = Objects.requireNonNull(judgedTasks, "judgedTasks");
        this.rankers = Objects.requireNonNull(rankers, "rankers");
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("heldOutGate.confidence must be in (0, 1), was " + confidence);
        }
        this.confidence = confidence;
    }

    @Override
    public Optional<PairedTest> evaluate(ServingAdapter candidate, ServingAdapter serving) {
        String tenant = candidate.tenant();
        List<JudgedTasks.TaskVerdicts> heldOut = judgedTasks.heldOut(tenant).stream()
                .filter(t -> !t.useful().isEmpty())
                .toList();
        if (heldOut.isEmpty() || candidate.queryEmbedder() == null || serving.queryEmbedder() == null) {
            return Optional.empty();
        }
        long started = System.nanoTime();
        Map<String, Double> candidateScores = scores(tenant, candidate, heldOut);
        Map<String, Double> servingScores = scores(tenant, serving, heldOut);
        PairedTest test = PairedTest.of(
                candidateScores, servingScores, confidence, PairedTest.DEFAULT_RESAMPLES, PairedTest.DEFAULT_SEED);
        log.info(
                "gate for {}: {} against {} on {} held-out tasks in {} ms: {}",
                tenant,
                candidate.label(),
                serving.label(),
                heldOut.size(),
                (System.nanoTime() - started) / 1_000_000,
                test);
        return Optional.of(test);
    }

    private Map<String, Double> scores(String tenant, ServingAdapter version, List<JudgedTasks.TaskVerdicts> tasks) {
        var ranker = rankers.ranker(tenant, version);
        Map<String, Double> out = new LinkedHashMap<>();
        for (JudgedTasks.TaskVerdicts t : tasks) {
            float[] vector;
            try (NoGradScope ignored = NoGradScope.enter()) {
                vector = version.queryEmbedder().embedQuery(t.task());
            }
            List<String> ranking =
                    store.recall(RecallQuery.hybrid(tenant, t.task(), vector, K), ranker).ranked().stream()
                            .map(ScoredCase::match)
                            .map(c -> c.caseId())
                            .toList();
            Map<String, Integer> gains = new HashMap<>();
            t.useful().forEach(id -> gains.put(id, 1));
            out.put(t.taskId(), RetrievalMetrics.ndcgAtK(ranking, gains, K));
        }
        return out;
    }
}
