/**
 * The Cranfield demo ({@code engram demo}): starts the embedded broker and a node (with a worker
 * beside it), sends the Cranfield abstracts through {@code engram.feedback} as feedback events and
 * waits until every one is searchable. With {@code --rounds 0} it recalls every Cranfield query
 * through the node's HTTP API and prints BM25 figures ({@link dev.engram.tools.demo.CranfieldDemo});
 * otherwise simulated agents send judged feedback in rounds and the demo prints held-out nDCG@10 for
 * every promoted version ({@link dev.engram.tools.demo.ContinualDemo}).
 *
 * <pre>{@code
 * new CranfieldDemo(DemoOptions.defaults(), System.out).run();
 * }</pre>
 */
package dev.engram.tools.demo;
