package dev.engram.node.policy;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.CaseStore;
import dev.engram.memory.RecallQuery;
import dev.engram.node.registry.ServingAdapter;
import dev.engram.node.tuning.PolicyProposer;
import dev.engram.retriever.ranking.JudgedQuery;
import dev.engram.retriever.ranking.JudgedTask;
import dev.engram.retriever.ranking.RankerPolicy;
import dev.engram.retriever.ranking.ReuseFit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A round's ranker policy for the tenant's judged training tasks: {@link RankerPolicy#proposed()}
 * (reciprocal rank fusion, dense feedback from similar tasks' verdicts, then judged-case reuse
 * weighted by closeness), with the similar-task search (threshold, neighbours) fitted on the training tasks by
 * leave-one-out ({@link ReuseFit}: each task ranked from the other tasks' verdicts alone,
 * as a new task would be). It measured best with {@code engram eval} on Cranfield (see the README);
 * score fusion with a fitted BM25 weight measured worse than reciprocal rank fusion there and is not
 * proposed. Whether the policy (with the round's adapter) is better than the serving version is not
 * decided here: the gate measures it on the held-out tasks, which are never fitted on.
 */
public final class PolicyFitter implements PolicyProposer {

    private static final Logger log = LoggerFactory.getLogger(PolicyFitter.class);

    /** Fewer judged training tasks than this fit nothing (the gate could not tell anyway). */
    public static final int MIN_TASKS = 5;

    private final JudgedTasks judgedTasks;
    private final Function<String, ServingAdapter> serving;
    private final CaseStore store;

    /**
     * @param judgedTasks the tenants' judged tasks
     * @param serving a tenant's serving version with a lease taken (the registry's {@code acquire}),
     *     whose query tower embeds the tasks; released here
     * @param store the case store, whose candidate lists the search is fitted on
     */
    public PolicyFitter(JudgedTasks judgedTasks, Function<String, ServingAdapter> serving, CaseStore store) {
        this.judgedTasks = Objects.requireNonNull(judgedTasks, "judgedTasks");
        this.serving = Objects.requireNonNull(serving, "serving");
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public Optional<String> propose(String tenant, Set<String> heldOutTasks) {
        List<JudgedTasks.TaskVerdicts> tasks = judgedTasks.training(tenant).stream()
                .filter(t -> !heldOutTasks.contains(t.task().strip()))
                .filter(t -> !t.useful().isEmpty() || !t.useless().isEmpty())
                .toList();
        if (tasks.stream().filter(t -> !t.useful().isEmpty()).count() < MIN_TASKS) {
            return Optional.empty();
        }
        ServingAdapter version = serving.apply(tenant);
        try {
            if (version.queryEmbedder() == null) {
                return Optional.empty();
            }
            long started = System.nanoTime();
            // the serving tower's task vectors, as the recall-time memory holds them (computed once per tower)
            Map<String, float[]> vectors = new HashMap<>();
            judgedTasks.memory(tenant, version).tasks().forEach(t -> vectors.put(t.taskId(), t.vector()));
            List<JudgedTask> judged = new ArrayList<>(tasks.size());
            List<JudgedQuery> queries = new ArrayList<>(tasks.size());
            try (NoGradScope ignored = NoGradScope.enter()) {
                for (JudgedTasks.TaskVerdicts t : tasks) {
                    float[] vector = vectors.get(t.taskId());
                    if (vector == null) {
                        vector = version.queryEmbedder().embedQuery(t.task());
                    }
                    judged.add(new JudgedTask(t.taskId(), vector, t.useful(), t.useless(), t.task()));
                    Map<String, Integer> gains = new HashMap<>();
                    t.useless().forEach(id -> gains.put(id, 0));
                    t.useful().forEach(id -> gains.put(id, 1));
                    queries.add(
                            new JudgedQuery(store.candidates(RecallQuery.hybrid(tenant, t.task(), vector, 10)), gains));
                }
            }
            RankerPolicy proposed = RankerPolicy.proposed();
            ReuseFit fit = ReuseFit.fit(proposed, store.defaultRanker(), tenant, judged, queries);
            RankerPolicy policy = fit.applyTo(proposed);
            log.info(
                    "ranker policy for {} from {} judged tasks with {} in {} ms: {}; {}",
                    tenant,
                    tasks.size(),
                    version.label(),
                    (System.nanoTime() - started) / 1_000_000,
                    policy.describe(),
                    fit);
            return Optional.of(policy.toJson());
        } finally {
            version.release();
        }
    }
}
