/**
 * From {@code engram.feedback} into the case store: the consumer thread ({@link
 * dev.engram.node.ingest.FeedbackConsumer}), the ingest actor ({@link
 * dev.engram.node.ingest.IngestActor}) and the steps of one batch ({@link
 * dev.engram.node.ingest.BatchWriter}): decode and validate, dead-letter what is invalid, embed,
 * write idempotently (searchable at once), commit the index with the Kafka offsets it covers
 * every so often ({@link dev.engram.node.ingest.IndexCommitPolicy}), and only then commit those
 * offsets to Kafka. Each partition of a batch succeeds or fails on its own; a partition
 * that keeps failing isolates and dead-letters the record that fails ({@link
 * dev.engram.node.ingest.PartitionStall} says which partitions do not move meanwhile), and a dead
 * letter too large for its topic is shrunk to fit ({@link
 * dev.engram.node.ingest.KafkaDeadLetterSink}).
 */
package dev.engram.node.ingest;
