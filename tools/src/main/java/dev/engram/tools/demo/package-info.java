/**
 * The Cranfield demo ({@code engram demo}): starts the embedded broker and a node, sends the
 * Cranfield abstracts through {@code engram.feedback} as feedback events, waits until every one is
 * searchable, recalls for every Cranfield query through the node's HTTP API and prints BM25
 * nDCG@10, recall@10, recall@100 and MRR@10 against the judgements, with timings.
 *
 * <pre>{@code
 * new CranfieldDemo(DemoOptions.defaults(), System.out).run();
 * }</pre>
 */
package dev.engram.tools.demo;
