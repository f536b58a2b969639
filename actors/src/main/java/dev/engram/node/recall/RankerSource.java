package dev.engram.node.recall;

import dev.engram.memory.Ranker;
import dev.engram.node.registry.ServingAdapter;

/**
 * Where a recall gets its ranker: from the version that serves the tenant (its ranker policy) and
 * whatever the node has learned for the tenant since (its judged tasks). Asked once per recall.
 */
@FunctionalInterface
public interface RankerSource {

    /**
     * The ranker for a recall of {@code tenant} served by {@code serving}; {@code serving} is
     * {@code null} for a BM25 recall (no query vector, so only the untuned order applies).
     */
    Ranker ranker(String tenant, ServingAdapter serving);
}
