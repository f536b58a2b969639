/**
 * The agent-runtime SDK: {@link dev.engram.runtime.EngramClient} recalls useful past cases for a
 * task (the node's HTTP API), sends {@link dev.engram.runtime.Feedback} after acting (Kafka), and
 * follows the retriever adapters Engram publishes. Needs only {@code engram-streams}'s wire contract
 * with kafka-clients and Jackson; {@code dev.engram.runtime.example.AgentLoopExample} is a runnable
 * agent loop. Everything in {@code dev.engram.runtime.internal} is private to this module.
 */
package dev.engram.runtime;
