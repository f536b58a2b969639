package dev.engram.tools.eval;

import dev.engram.memory.Embedder;
import dev.engram.memory.Episode;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.Continuation;
import dev.engram.retriever.tuning.ContrastiveTrainer;
import dev.engram.retriever.tuning.FeedbackExamples;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.retriever.tuning.TrainingExample;
import dev.engram.retriever.tuning.TunedEmbedder;
import dev.engram.retriever.tuning.TuningConfig;
import dev.engram.retriever.tuning.TuningRound;
import dev.engram.tools.internal.ProgressBar;
import java.util.List;
import java.util.Locale;

/**
 * The query-side LoRA adapter of one seed (or one round of an adapter chain in rounds mode, with
 * the chain's {@link Continuation}): {@link ContrastiveTrainer} at {@link TuningConfig}'s
 * defaults (r 8 on the attention projections, 4 epochs, batch 32, one mined hard negative per
 * example and step) on the feedback's (task, useful case) pairs with up to 4 judged-useless hard
 * negatives each, the worker's recipe. Case vectors come from the index (the document tower is
 * not tuned), so a round costs only the query tower's passes.
 */
final class LoraTraining {

    private final TextEncoder queryEncoder;
    private final EvalCorpus corpus;
    private final EvalProgress progress;
    private final ResourceMonitor monitor;

    LoraTraining(TextEncoder queryEncoder, EvalCorpus corpus, EvalProgress progress, ResourceMonitor monitor) {
        this.queryEncoder = queryEncoder;
        this.corpus = corpus;
        this.progress = progress;
        this.monitor = monitor;
    }

    /** A trained adapter and its query embedder; close it to free the adapter. */
    static final class Trained implements AutoCloseable {
        private final TenantAdapter adapter;
        private final Embedder embedder;
        private final LoraRound round;

        private Trained(TenantAdapter adapter, Embedder embedder, LoraRound round) {
            this.adapter = adapter;
            this.embedder = embedder;
            this.round = round;
        }

        LoraRound round() {
            return round;
        }

        TenantAdapter adapter() {
            return adapter;
        }

        String embedderName() {
            return embedder.modelId();
        }

        List<float[]> embedQueries(List<String> texts) {
            return embedder instanceof TunedEmbedder tuned
                    ? tuned.embedQueries(texts)
                    : texts.stream().map(embedder::embedQuery).toList();
        }

        @Override
        public void close() {
            adapter.close();
        }
    }

    Trained train(long seed, String tenant, List<FeedbackTask> feedback) {
        List<TrainingExample> examples = examples(tenant, feedback);
        if (examples.isEmpty()) {
            throw new IllegalStateException("seed " + seed + ": no feedback task has a case judged useful, so there is"
                    + " nothing to train the LoRA adapter on; run without --lora or with a larger --feedback-k");
        }
        return train(seed, tenant, examples, List.of(), Continuation.DEFAULT, null, "LoRA s" + seed);
    }

    /** The (task, useful case) examples of some feedback tasks, with up to 4 judged-useless hard negatives each. */
    List<TrainingExample> examples(String tenant, List<FeedbackTask> feedback) {
        List<Episode> episodes = feedback.stream().map(FeedbackTask::episode).toList();
        return FeedbackExamples.builder()
                .maxHardNegatives(4)
                .build()
                .trainingExamples(episodes, id -> corpus.get(tenant, id));
    }

    /**
     * One round of an adapter chain: {@code fresh} examples, {@code older} ones as the strategy uses
     * them, continuing from {@code serving} (null: a first round) as {@code continuation} says.
     */
    Trained train(
            long seed,
            String tenant,
            List<TrainingExample> fresh,
            List<TrainingExample> older,
            Continuation continuation,
            TenantAdapter serving,
            String label) {
        try (var phase = monitor.phase("LoRA training")) {
            List<TrainingExample> examples = fresh;
            ProgressBar[] bar = new ProgressBar[1];
            TuningRound round = new ContrastiveTrainer(
                            queryEncoder,
                            TuningConfig.builder()
                                    .seed(seed)
                                    .continuation(continuation)
                                    .build())
                    .withBaseCaseVectors(corpus::docVectorOrNull)
                    .train(tenant, examples, older, serving, p -> {
                        if (!p.phase().equals("training")) {
                            return;
                        }
                        if (bar[0] == null) {
                            bar[0] = progress.bar(label, p.totalSteps());
                        }
                        bar[0].update(p.step());
                    });
            if (bar[0] != null) {
                bar[0].finish(
                        round.steps(),
                        String.format(
                                Locale.ROOT,
                                "loss %.3f -> %.3f",
                                round.meanLossOfFirst(0.1),
                                round.meanLossOfLast(0.1)));
            }
            LoraRound figures = new LoraRound(
                    seed,
                    continuation,
                    round.continuedFromServing(),
                    round.learningRate(),
                    round.epochs(),
                    examples.size(),
                    round.replayedExamples(),
                    round.steps(),
                    round.elapsed().toMillis() / 1e3,
                    round.meanLossOfFirst(0.1),
                    round.meanLossOfLast(0.1));
            progress.note(
                    "seed %d: LoRA round (%s) on %d examples + %d older, %d steps, %.1f s",
                    seed, continuation, examples.size(), round.replayedExamples(), round.steps(), figures.seconds());
            TenantAdapter adapter = round.adapter();
            return new Trained(adapter, adapter.embedder(queryEncoder), figures);
        }
    }
}
