package dev.engram.node.tuning;

import java.util.Optional;
import java.util.Set;

/**
 * Fits the ranker policy that a round's version is published with, so the adapter and the ranker
 * parameters are trained, gated and served as one version. Runs off the schedulers' threads (it
 * reads the case memory and embeds tasks).
 */
@FunctionalInterface
public interface PolicyProposer {

    /**
     * The ranker policy (JSON) for {@code tenant}'s next version, fitted on its judged tasks except
     * {@code heldOutTasks} (the round's own and every earlier held-out task); empty for none.
     */
    Optional<String> propose(String tenant, Set<String> heldOutTasks);
}
