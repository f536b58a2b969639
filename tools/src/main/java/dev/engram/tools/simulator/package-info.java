/**
 * The feedback simulator: agents' feedback on Cranfield-style judged queries, produced through the
 * real node and the real stream.
 *
 * <p>{@link dev.engram.tools.simulator.FeedbackSimulator} recalls the top {@code k} cases of each
 * feedback query through a node's HTTP API, judges every recalled case by the relevance judgements,
 * and sends one {@link dev.engram.streams.FeedbackEvent} per query to {@code engram.feedback}.
 * {@link dev.engram.tools.simulator.StreamFeedbackReader} reads those events back from the topic as
 * {@link dev.engram.memory.Episode}s: training consumes what the stream delivered, not a side channel.
 */
package dev.engram.tools.simulator;
