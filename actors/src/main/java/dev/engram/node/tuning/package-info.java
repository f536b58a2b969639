/**
 * Scheduling of the retriever's tuning rounds, the training side of the continual loop in a node.
 *
 * <p>{@link dev.engram.node.tuning.TuningLoop} is what the node starts: the ingest pipeline hands it
 * every durable batch; judged episodes go to the node's judged-feedback log and to a
 * {@link dev.engram.node.tuning.TuningScheduler} per tenant (routed by
 * {@link dev.engram.node.tuning.TuningSchedulers}), which starts a round when N new judged episodes
 * arrived or T passed, sends a self-contained {@link dev.engram.streams.TrainingJob} (built by
 * {@link dev.engram.node.tuning.TrainingJobBuilder}) to {@code engram.training-jobs}, and waits for
 * its outcome on {@code engram.adapters} or {@code engram.dead-letters}
 * ({@link dev.engram.node.tuning.AdapterTopicFollower}). Workers (the worker module)
 * run the jobs; the local launcher starts one beside the node when
 * {@link dev.engram.node.tuning.TuningSchedulerConfig#runsWorker} says so. The judged-feedback log
 * ({@link dev.engram.node.tuning.JudgedRecallLog}) keeps what the schedulers count across restarts.
 */
package dev.engram.node.tuning;
