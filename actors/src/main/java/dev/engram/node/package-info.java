/**
 * The Engram node, its public API: {@link dev.engram.node.EngramNode} (start, ports, store, close),
 * {@link dev.engram.node.NodeConfig} (every setting and its default) and
 * {@link dev.engram.node.config.ResilienceConfig} (every retry, breaker and time limit, named).
 *
 * <p>Sub-packages, one per concern: {@code ingest} (consumer thread, ingest actor, batch steps),
 * {@code recall}, {@code http} (the HTTP API), {@code cli} (the {@code engram} command line) and
 * {@code internal} (no promise). {@code demo} holds the Cranfield demo that drives a node.
 */
package dev.engram.node;
