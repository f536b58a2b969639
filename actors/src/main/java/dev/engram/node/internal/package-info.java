/**
 * Detail of the node with no promise to other modules: metrics, the named Resilience4j instances,
 * the actor system's settings and small async plumbing.
 */
package dev.engram.node.internal;
