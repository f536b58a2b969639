package dev.engram.node.policy;

import dev.engram.memory.Ranker;
import dev.engram.node.recall.RankerSource;
import dev.engram.node.registry.ServingAdapter;
import dev.engram.retriever.ranking.RankerFactory;
import dev.engram.retriever.ranking.RankerPolicy;
import java.util.Objects;

/**
 * The ranker of a recall: the serving version's ranker policy, built over the tenant's judged tasks
 * as that version's query tower sees them. A version without a policy (the base, or an adapter
 * published without one) ranks with the untuned fusion.
 */
public final class PolicyRankers implements RankerSource {

    private final Ranker untuned;
    private final JudgedTasks judgedTasks;

    /**
     * @param untuned the store's untuned ranker (reciprocal rank fusion)
     * @param judgedTasks the tenants' judged tasks, for judged-case reuse
     */
    public PolicyRankers(Ranker untuned, JudgedTasks judgedTasks) {
        this.untuned = Objects.requireNonNull(untuned, "untuned");
        this.judgedTasks = Objects.requireNonNull(judgedTasks, "judgedTasks");
    }

    @Override
    public Ranker ranker(String tenant, ServingAdapter serving) {
        if (serving == null || serving.policy().equals(RankerPolicy.untuned())) {
            return untuned;
        }
        RankerPolicy policy = serving.policy();
        if (policy.selector()) {
            // The selector is not carried in a published policy yet: serve the rest of the policy.
            policy = policy.withoutSelector();
        }
        return RankerFactory.of(untuned, judgedTasks.memory(tenant, serving)).build(policy);
    }
}
