/**
 * Engram's wire contract on Kafka: topic names and configs ({@link dev.engram.streams.Topics}),
 * the event records with their validation ({@link dev.engram.streams.FeedbackEvent},
 * {@link dev.engram.streams.DeadLetter}), their JSON ({@link dev.engram.streams.EventCodec}),
 * clients with safe defaults ({@link dev.engram.streams.KafkaClientFactory}), topic creation
 * ({@link dev.engram.streams.TopicAdmin}) and a real broker inside the JVM for the local default
 * ({@link dev.engram.broker.EmbeddedKafka}).
 *
 * <p>Depends on no other Engram module. Everything in {@code dev.engram.streams.internal} is
 * private to this module and may change without notice.
 */
package dev.engram.streams;
