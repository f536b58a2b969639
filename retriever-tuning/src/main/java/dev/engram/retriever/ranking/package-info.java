/**
 * The learned rankers of a recall's second stage, each a {@link dev.engram.memory.Ranker}:
 * {@link dev.engram.retriever.ranking.ScoreFusion} (min-max scaled BM25 and cosine with a per-tenant
 * weight that {@link dev.engram.retriever.ranking.ScoreFusionFit} fits on judged feedback),
 * {@link dev.engram.retriever.ranking.DenseFeedback} (the query vector moved towards the cases similar
 * past tasks judged useful: Rocchio), {@link dev.engram.retriever.ranking.JudgedCaseReuse} (verdicts
 * carried over from similar past tasks, weighted by similarity share or by closeness, bent by a
 * {@link dev.engram.retriever.ranking.ReuseShape}; the similar-task search, and optionally the
 * weighing, fitted leave-one-out over a {@link dev.engram.retriever.ranking.ReuseGrid} by
 * {@link dev.engram.retriever.ranking.ReuseFit}), and
 * {@link dev.engram.retriever.ranking.SelectorBlend} (the case selector Q(s, c),
 * trusted as far as a task is close to its training tasks). A tenant's
 * {@link dev.engram.retriever.ranking.RankerPolicy} names the stages and their parameters and is
 * published with its adapter; {@link dev.engram.retriever.ranking.RankerFactory} builds the ranker.
 *
 * <pre>{@code
 * ScoreFusionFit fit = ScoreFusionFit.fit(judgedQueries);
 * RankerPolicy policy = RankerPolicy.untuned().withFusion(fit.weight()).withReuse(0.5, 5, 0.75);
 * RankerPolicy proposed = ReuseFit.fit(RankerPolicy.proposed(), untunedRrf, tenant, tasks, judgedQueries)
 *         .applyTo(RankerPolicy.proposed());
 * Ranker ranker = RankerFactory.of(untunedRrf, new JudgedTaskMemory(tenant, judgedTasks)).build(policy);
 * }</pre>
 *
 * <p>Whether a candidate policy serves is the gate's call:
 * {@link dev.engram.retriever.eval.PairedTest} over held-out queries.
 */
package dev.engram.retriever.ranking;
