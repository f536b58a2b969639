/**
 * The training side of the continual loop: {@link dev.engram.node.training.TrainingWorker} consumes
 * {@code engram.training-jobs}, trains and evaluates a candidate with
 * {@link dev.engram.node.training.CandidateTrainer}, and publishes it on {@code engram.adapters}
 * exactly once per job.
 */
package dev.engram.node.training;
