/**
 * {@code engram eval}: does Engram help on my data? {@link dev.engram.tools.eval.BeirEvaluation}
 * runs Engram's recall on any collection in the BEIR layout with feedback simulated from its
 * judgements, scores every system (BM25, dense, the untuned hybrid, the learned rankers, the full
 * learned policy, and with LoRA the query-side adapter) on new and on recurring tasks over several
 * seeded splits, and writes the table, {@code eval.json} and per-query figures.
 *
 * <pre>{@code
 * EvalReport report = BeirEvaluation.run(EvalOptions.defaults(Path.of("data/beir/cranfield")).withSeeds(3),
 *         new PrintWriter(System.out, true), new PrintWriter(System.err, true));
 * }</pre>
 */
package dev.engram.tools.eval;
