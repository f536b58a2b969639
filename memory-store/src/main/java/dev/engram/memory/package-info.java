/**
 * Engram's case memory: every agent episode becomes a {@link dev.engram.memory.Case}, kept in a
 * {@link dev.engram.memory.CaseStore} ({@link dev.engram.memory.LuceneCaseStore} on disk) that
 * ingests idempotently by event id, counts judgements once, commits durably together with the
 * stream offsets it covers, and recalls the most useful cases of one tenant with BM25 and, given
 * a vector from an {@link dev.engram.memory.Embedder}, HNSW vector search; a
 * {@link dev.engram.memory.Ranker} (untuned: {@link dev.engram.memory.ReciprocalRankFusion}) orders
 * the candidates of both before the positive/negative split.
 *
 * <pre>{@code
 * try (CaseStore store = LuceneCaseStore.open(Path.of("data/cases"), CaseStoreConfig.defaults())) {
 *     store.ingest(episode, embedder.embedDocuments(List.of(caseText)).get(0));
 *     store.commitIfDue(offsets);
 *     RecallResult r = store.recall(RecallQuery.hybrid("acme", task, embedder.embedQuery(task), 10));
 * }
 * }</pre>
 */
package dev.engram.memory;
