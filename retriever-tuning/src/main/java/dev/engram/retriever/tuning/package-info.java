/**
 * Retriever tuning from feedback: {@link dev.engram.retriever.tuning.FeedbackExamples} turns a
 * tenant's judged episodes into contrastive examples, {@link dev.engram.retriever.tuning.ContrastiveTrainer}
 * trains a per-tenant LoRA adapter on the shared base encoder with the
 * {@link dev.engram.retriever.tuning.MultipleNegativesRankingLoss} (query-side by default, so stored
 * case vectors stay valid), and {@link dev.engram.retriever.tuning.TenantAdapter} serves and saves
 * the result as PEFT files.
 *
 * <pre>{@code
 * List<TrainingExample> examples = FeedbackExamples.builder().build()
 *         .trainingExamples(episodes, id -> store.get("acme", id));
 * TuningRound round = new ContrastiveTrainer(encoder, TuningConfig.defaults())
 *         .train("acme", examples, olderExamples, currentAdapter, progress -> {});
 * round.adapter().save(dir);
 * Embedder acme = round.adapter().embedder(encoder);
 * }</pre>
 */
package dev.engram.retriever.tuning;
