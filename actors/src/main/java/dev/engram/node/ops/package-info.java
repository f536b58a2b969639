/**
 * What operators watch besides the adapters, read from the stream: the dead-letter topic
 * ({@link dev.engram.node.ops.DeadLetterReader}, a bounded read of its newest records on request)
 * and the training jobs ({@link dev.engram.node.ops.TrainingJobTracker}, which follows
 * {@code engram.training-jobs}, the workers' {@code engram.training-progress} and the dead-lettered
 * jobs, and keeps each recent job's state and loss curve). The HTTP API serves both to the console
 * and to scripts.
 */
package dev.engram.node.ops;
