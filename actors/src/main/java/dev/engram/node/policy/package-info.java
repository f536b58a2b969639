/**
 * A tenant's retriever policy on the node: the ranker each recall uses
 * ({@link dev.engram.node.policy.PolicyRankers}: the serving version's ranker policy over the
 * tenant's {@link dev.engram.node.policy.JudgedTasks}), and the gate's own paired measurement of a
 * candidate version against the serving one on the tasks held out so far
 * ({@link dev.engram.node.policy.HeldOutGate}).
 */
package dev.engram.node.policy;
