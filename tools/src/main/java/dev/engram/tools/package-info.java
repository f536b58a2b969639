/**
 * Engram's tools: the command line ({@code dev.engram.tools.cli}), the demo
 * ({@code dev.engram.tools.demo}) and the feedback simulator ({@code dev.engram.tools.simulator}).
 * They talk to a node through the runtime SDK; {@link dev.engram.tools.LocalEngram} starts a node
 * with a worker beside it for the local default.
 */
package dev.engram.tools;
