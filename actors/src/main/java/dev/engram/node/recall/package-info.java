/**
 * Recall on the node: embeds the task when an embedder is configured (hybrid BM25 + vector
 * recall), else BM25 only, orders the store's candidates with the tenant's ranker, and says which
 * adapter version answered. Issue 5's adapter registry plugs in here.
 */
package dev.engram.node.recall;
