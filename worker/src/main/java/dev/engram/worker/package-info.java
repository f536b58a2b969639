/**
 * The training side of the continual loop: {@link dev.engram.worker.TrainingWorker} consumes
 * {@code engram.training-jobs}, trains and evaluates a candidate with
 * {@link dev.engram.worker.CandidateTrainer}, and publishes it on {@code engram.adapters}
 * exactly once per job.
 */
package dev.engram.worker;
