/**
 * The evaluation harness: test collections ({@link dev.engram.retriever.eval.CranfieldLoader},
 * {@link dev.engram.retriever.eval.BeirLoader} for users' own data in the BEIR layout), the ranking
 * metrics nDCG@k, recall@k and MRR@k ({@link dev.engram.retriever.eval.RetrievalMetrics}), a
 * seeded split of the judged queries into feedback and held-out queries
 * ({@link dev.engram.retriever.eval.QuerySplit}), the per-system summary that the evaluation
 * table prints ({@link dev.engram.retriever.eval.EvaluationReport}), and the gate's statistics: a
 * paired bootstrap and sign-flip test of a candidate against the serving system on the same
 * queries ({@link dev.engram.retriever.eval.PairedTest}) and its verdict
 * ({@link dev.engram.retriever.eval.GateVerdict}).
 *
 * <pre>{@code
 * EvalDataset cranfield = CranfieldLoader.load();
 * QuerySplit split = QuerySplit.split(cranfield, 0.6, 42);
 * EvaluationReport bm25 = EvaluationReport.evaluate("BM25", split.heldOut(), cranfield.qrels(),
 *         query -> myRetriever.topDocIds(query.text(), 100));
 * System.out.println(EvaluationReport.header());
 * System.out.println(bm25.tableRow());
 *
 * GateVerdict v = PairedTest.of(candidateNdcgByQuery, servingNdcgByQuery).verdict();  // 95%, max loss 0.01
 * }</pre>
 *
 * <p>Nothing here needs Kafka, Lucene or DJL: a retriever is any function from a query to a ranked
 * list of document ids.
 */
package dev.engram.retriever.eval;
