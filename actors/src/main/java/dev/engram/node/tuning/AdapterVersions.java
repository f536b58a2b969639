package dev.engram.node.tuning;

import java.util.Optional;

/**
 * What a {@link TuningScheduler} needs to know about published adapters: the version now serving
 * (a round starts from it) and the highest version ever published or sent as a job's target (a
 * round's target is above it,
 * so a version number is never reused). {@link AdapterTopicFollower} answers from
 * {@code engram.adapters}.
 */
public interface AdapterVersions {

    /** Whether the answers cover everything published before this node started. */
    boolean caughtUp();

    /** The newest promoted version of {@code adapterName}, if any. */
    Optional<Long> serving(String adapterName);

    /**
     * The highest version of {@code adapterName} published in any status or targeted by a job already
     * on {@code engram.training-jobs}; 0 when none.
     */
    long highest(String adapterName);
}
