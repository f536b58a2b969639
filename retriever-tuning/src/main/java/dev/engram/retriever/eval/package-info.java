/**
 * The evaluation harness: test collections ({@link dev.engram.retriever.eval.CranfieldLoader},
 * {@link dev.engram.retriever.eval.BeirLoader} for users' own data in the BEIR layout), the ranking
 * metrics nDCG@k, recall@k and MRR@k ({@link dev.engram.retriever.eval.RetrievalMetrics}), a
 * seeded split of the judged queries into feedback and held-out queries
 * ({@link dev.engram.retriever.eval.QuerySplit}), and the per-system summary that the evaluation
 * table prints ({@link dev.engram.retriever.eval.EvaluationReport}).
 *
 * <pre>{@code
 * EvalDataset cranfield = CranfieldLoader.load();
 * QuerySplit split = QuerySplit.split(cranfield, 0.6, 42);
 * EvaluationReport bm25 = EvaluationReport.evaluate("BM25", split.heldOut(), cranfield.qrels(),
 *         query -> myRetriever.topDocIds(query.text(), 100));
 * System.out.println(EvaluationReport.header());
 * System.out.println(bm25.tableRow());
 * }</pre>
 *
 * <p>Nothing here needs Kafka, Lucene or DJL: a retriever is any function from a query to a ranked
 * list of document ids.
 */
package dev.engram.retriever.eval;
