/**
 * Recall on the node: in the asked mode (hybrid, BM25 or dense; hybrid by default on a node with an
 * embedder), embeds the task with the tenant's serving adapter from the registry, asks the store
 * for its candidates, lets the tenant's ranker order them, and says which adapter version answered.
 */
package dev.engram.node.recall;
