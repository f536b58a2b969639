/**
 * From {@code engram.feedback} into the case store: the consumer thread ({@link
 * dev.engram.node.ingest.FeedbackConsumer}), the ingest actor ({@link
 * dev.engram.node.ingest.IngestActor}) and the steps of one batch ({@link
 * dev.engram.node.ingest.BatchWriter}): decode and validate, dead-letter what is invalid, embed,
 * write idempotently, commit the index with the Kafka offsets it covers, and only then commit
 * those offsets to Kafka.
 */
package dev.engram.node.ingest;
