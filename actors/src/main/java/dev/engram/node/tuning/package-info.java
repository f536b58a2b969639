/**
 * Scheduling of the retriever's tuning rounds: a {@link dev.engram.node.tuning.TuningScheduler} per
 * tenant counts ingested judged feedback and, when N new judged episodes arrived or T passed, sends a
 * self-contained {@link dev.engram.streams.TrainingJob} (built by
 * {@link dev.engram.node.tuning.TrainingJobBuilder}) to {@code engram.training-jobs}, then waits for
 * its outcome on {@code engram.adapters} or {@code engram.dead-letters}
 * ({@link dev.engram.node.tuning.AdapterTopicFollower}). Workers (package
 * {@code dev.engram.node.training}) run the jobs.
 */
package dev.engram.node.tuning;
