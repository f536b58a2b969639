/**
 * Engram's tools: the command line ({@code dev.engram.tools.cli}), the demo
 * ({@code dev.engram.tools.demo}), the feedback simulator ({@code dev.engram.tools.simulator}) and
 * {@code engram eval} ({@code dev.engram.tools.eval}, in process: the store, the rankers and the
 * encoder without a node). The demo and the simulator talk to a node through the runtime SDK; {@link dev.engram.tools.LocalEngram} starts a node
 * with a worker beside it for the local default.
 */
package dev.engram.tools;
