/**
 * The Engram node, its public API: {@link dev.engram.node.EngramNode} (start, ports, store, close),
 * {@link dev.engram.node.NodeConfig} (every setting and its default) and
 * {@link dev.engram.node.config.ResilienceConfig} (every retry, breaker and time limit, named).
 *
 * <p>Sub-packages, one per concern: {@code ingest} (consumer thread, ingest actor, batch steps),
 * {@code recall} (candidates, ranker, positive/negative split), {@code registry} (adapters, the
 * gate, hot-swap), {@code tuning} (scheduling rounds, the judged-feedback log), {@code http} (the
 * HTTP API, adapter routes included), {@code cluster} (many nodes as one: partition ownership and
 * recalls routed to the owner), {@code config} (settings shared by several packages) and
 * {@code internal} (no promise). The training worker and the tools (CLI, demo, simulator) live in
 * their own modules and the node depends on neither.
 */
package dev.engram.node;
