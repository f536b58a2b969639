package dev.engram.retriever.tuning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.engram.adapters.AdapterTrainer;
import dev.engram.adapters.LoraModel;
import dev.engram.adapters.LrSchedule;
import dev.engram.adapters.NoGradScope;
import dev.engram.adapters.PartedLossStep;
import dev.engram.adapters.TrainingConfig;
import dev.engram.adapters.TrainingProgress;
import dev.engram.retriever.BertEncoder;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.TokenBatch;
import dev.engram.retriever.tuning.internal.BatchPlan;
import dev.engram.retriever.tuning.internal.ContrastiveBatch;
import dev.engram.retriever.tuning.internal.QueryPasses;
import dev.engram.retriever.tuning.internal.TokenTruncation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;

/**
 * Tunes a tenant's retriever from its feedback: LoRA adapters on the shared base encoder, trained
 * with the {@link MultipleNegativesRankingLoss} (in-batch negatives plus mined hard negatives)
 * through the LoRA core's training loop.
 *
 * <p>In {@link TuningMode#QUERY_SIDE query-side} mode (the default) only the query tower carries
 * the adapter: case texts are embedded once with the frozen base (or taken from the index through
 * {@link #withBaseCaseVectors}) and the gradient flows through the queries alone, which makes a
 * round cheap and leaves every stored vector valid. In {@link TuningMode#SYMMETRIC symmetric} mode
 * both towers carry it and the caller re-embeds the tenant's cases with the new adapter.
 *
 * <p>A round continues from the tenant's current adapter as {@link TuningConfig#continuation()}
 * says: a fresh adapter on all the feedback so far ({@link Continuation#RETRAIN_FROM_BASE}), a copy
 * of the current one trained further on the new examples and a replay sample of older ones
 * ({@link Continuation#CONTINUE}, or with a lower learning rate and fewer epochs,
 * {@link Continuation#CONTINUE_LOW_LR}), or the current one folded in and a fresh one trained on top
 * ({@link Continuation#PERIODIC_MERGE}, PeriodicLoRA). The current adapter is never modified, so it
 * can keep serving while a round runs.
 *
 * <pre>{@code
 * try (TextEncoder encoder = TextEncoder.load(EncoderConfig.custom().maxLength(256).build())) {
 *     ContrastiveTrainer trainer = new ContrastiveTrainer(encoder, TuningConfig.defaults());
 *     List<TrainingExample> fresh = FeedbackExamples.builder().build()
 *             .trainingExamples(episodes, id -> store.get("acme", id));
 *     TuningRound round = trainer.train("acme", fresh, olderExamples, currentAdapter, progress ->
 *             log.info("{} {}/{} loss {}", progress.phase(), progress.step(), progress.totalSteps(), progress.loss()));
 *     round.adapter().save(adapterDir);                  // PEFT files
 *     Embedder acme = round.adapter().embedder(encoder);  // serve it
 * }
 * }</pre>
 *
 * <p>One round at a time per JVM (DJL allows one gradient collector per process).
 */
public final class ContrastiveTrainer {

    private final TextEncoder encoder;
    private final TuningConfig config;
    private final Function<String, float[]> baseCaseVectors;
    private final Clock clock;

    public ContrastiveTrainer(TextEncoder encoder, TuningConfig config) {
        this(encoder, config, null, Clock.systemUTC());
    }

    private ContrastiveTrainer(
            TextEncoder encoder, TuningConfig config, Function<String, float[]> baseCaseVectors, Clock clock) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.config = Objects.requireNonNull(config, "config");
        this.baseCaseVectors = baseCaseVectors;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A trainer that takes query-side candidates' vectors from {@code vectors} (case id → the frozen
     * base's unit vector of the case text, e.g. what the index holds) before embedding them itself;
     * {@code vectors} may return {@code null} for a case it does not know.
     */
    public ContrastiveTrainer withBaseCaseVectors(Function<String, float[]> vectors) {
        return new ContrastiveTrainer(encoder, config, vectors, clock);
    }

    public TuningConfig config() {
        return config;
    }

    /** A first round for a tenant: a fresh adapter, no replay. */
    public TuningRound train(String tenant, List<TrainingExample> examples) {
        return train(tenant, examples, List.of(), null, TuningListener.NONE);
    }

    /**
     * One tuning round.
     *
     * @param tenant whose adapter this is
     * @param examples the round's new examples (see {@link FeedbackExamples})
     * @param replayPool older examples: all of them train with {@link Continuation#RETRAIN_FROM_BASE},
     *     a replay sample of them with the other strategies; may be empty
     * @param current the tenant's current adapter, or {@code null} for a first round; the round
     *     continues from it as the configured {@link Continuation} says; not modified
     * @param listener progress of the round
     * @throws IllegalArgumentException when there are no examples, or {@code current} was trained
     *     in another mode
     * @throws IllegalStateException when another training runs in this JVM, or training diverged
     */
    public TuningRound train(
            String tenant,
            List<TrainingExample> examples,
            List<TrainingExample> replayPool,
            TenantAdapter current,
            TuningListener listener) {
        if (examples == null || examples.isEmpty()) {
            throw new IllegalArgumentException(
                    "no training examples for tenant " + tenant + ": feedback needs at least one case judged useful");
        }
        if (current != null && current.mode() != config.mode()) {
            throw new IllegalArgumentException("tenant " + tenant + "'s current adapter was trained " + current.mode()
                    + ", this round is " + config.mode() + ": start a fresh adapter (current = null) to switch");
        }
        TuningListener progress = listener == null ? TuningListener.NONE : listener;
        int round = current == null ? 1 : current.round() + 1;
        Continuation continuation = config.continuation();
        boolean continues = current != null && continuation.startsFromServing();
        double learningRate = continuation.learningRate(config.learningRate(), continues);
        int epochs = continuation.epochs(config.epochs(), continues);
        Random random = new Random(config.seed() * 31 + round);
        List<TrainingExample> pool = replayPool == null ? List.of() : replayPool;
        List<TrainingExample> replay = continuation.seesAllFeedback()
                ? sample(pool, pool.size(), random)
                : sample(pool, (int) Math.round(config.replayFraction() * examples.size()), random);
        List<TrainingExample> all = new ArrayList<>(examples);
        all.addAll(replay);
        List<ContrastiveBatch> batches =
                BatchPlan.plan(all, epochs, config.batchSize(), config.hardNegativesPerExample(), random);
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("tenant " + tenant + " has a single example and no hard negative:"
                    + " nothing to contrast it with");
        }

        long began = clock.millis();
        Map<String, float[]> candidateVectors =
                config.mode() == TuningMode.QUERY_SIDE ? baseVectors(tenant, batches, progress) : Map.of();
        Duration embedding = Duration.ofMillis(clock.millis() - began);

        NDManager manager = NDManager.newBaseManager(TenantAdapter.device(encoder), "PyTorch");
        LoraModel lora = null;
        try {
            lora = startingAdapter(continues ? current : null, manager, round);
            TenantAdapter adapter =
                    new TenantAdapter(tenant, config.mode(), config.instruction(), round, manager, lora);
            List<Double> losses = new ArrayList<>();
            long trainingBegan = clock.millis();
            fit(tenant, lora, batches, candidateVectors, learningRate, losses, progress);
            Duration training = Duration.ofMillis(clock.millis() - trainingBegan);
            progress.onProgress(new TuningProgress(
                    tenant,
                    "done",
                    batches.size(),
                    batches.size(),
                    losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1),
                    Duration.ZERO));
            return new TuningRound(
                    adapter,
                    continuation,
                    continues,
                    learningRate,
                    epochs,
                    examples.size(),
                    replay.size(),
                    batches.size(),
                    losses,
                    embedding,
                    training);
        } catch (IOException e) {
            closeQuietly(lora, manager);
            throw new UncheckedIOException("tuning round " + round + " of tenant " + tenant + " failed", e);
        } catch (RuntimeException | Error e) {
            closeQuietly(lora, manager);
            throw e;
        }
    }

    private static void closeQuietly(LoraModel lora, NDManager manager) {
        if (lora != null) {
            lora.close();
        }
        manager.close();
    }

    private LoraModel startingAdapter(TenantAdapter current, NDManager manager, int round) throws IOException {
        if (current == null) {
            return LoraModel.attach(encoder.baseEncoder().baseLinears(), config.lora(), manager, config.seed() + round);
        }
        // a copy through the PEFT files: the current adapter keeps serving untouched
        Path dir = Files.createTempDirectory("engram-adapter-" + current.adapterId());
        try {
            current.save(dir);
            LoraModel copy = LoraModel.load(dir, encoder.baseEncoder().baseLinears(), manager);
            if (config.continuation().mergesServing()) {
                copy.mergeAndReset();
            }
            return copy;
        } finally {
            deleteTree(dir);
        }
    }

    private void fit(
            String tenant,
            LoraModel lora,
            List<ContrastiveBatch> batches,
            Map<String, float[]> vectors,
            double learningRate,
            List<Double> losses,
            TuningListener progress)
            throws IOException {
        BertEncoder tuned = encoder.baseEncoder().withLinears(lora.layers());
        MultipleNegativesRankingLoss loss = new MultipleNegativesRankingLoss(config.scale());
        int hidden = encoder.dimension();
        TrainingConfig training = TrainingConfig.builder()
                .learningRate(learningRate)
                .weightDecay(config.weightDecay())
                .totalSteps(batches.size())
                .warmupSteps(Math.round(config.warmupFraction() * batches.size()))
                .schedule(LrSchedule.LINEAR)
                .maxGradNorm(config.maxGradNorm())
                .seed(config.seed())
                .batchSize(config.batchSize())
                .build();
        AdapterTrainer trainer = new AdapterTrainer(
                training,
                (TrainingProgress p) -> {
                    losses.add(p.loss());
                    progress.onProgress(
                            new TuningProgress(tenant, "training", p.step(), p.totalSteps(), p.loss(), p.eta()));
                },
                clock);
        lora.setTraining(true);
        try {
            trainer.fit(lora.trainableParameters(), (PartedLossStep) (sm, step, backward) -> {
                ContrastiveBatch b = batches.get((int) step);
                TokenBatch queryTokens = encoder.tokenizeQueries(prefixed(b.queries()));
                NDArray candidates;
                List<int[]> passes;
                if (config.mode() == TuningMode.QUERY_SIDE) {
                    float[] flat = new float[b.candidates().size() * hidden];
                    for (int i = 0; i < b.candidates().size(); i++) {
                        System.arraycopy(vectors.get(b.candidates().get(i).caseId()), 0, flat, i * hidden, hidden);
                    }
                    candidates = sm.create(flat, new Shape(b.candidates().size(), hidden));
                    // each query's loss needs only its own vector and the frozen candidates
                    passes = QueryPasses.plan(queryTokens, config.queryTokensPerPass());
                } else {
                    TokenBatch caseTokens = TokenTruncation.truncate(
                            encoder.tokenizeDocuments(
                                    b.candidates().stream().map(CaseText::text).toList()),
                            config.trainingMaxLength());
                    candidates = tuned.embed(sm, caseTokens, true);
                    passes = QueryPasses.plan(queryTokens, 0);
                }
                if (passes.size() == 1) {
                    NDArray queries = tuned.embed(sm, queryTokens, true);
                    NDArray value = loss.compute(sm, queries, candidates, b.excluded());
                    backward.accept(value);
                    return scalar(value);
                }
                double total = 0;
                for (int[] rows : passes) {
                    // the pass's activations go as soon as its gradient is in the parameters
                    try (NDManager pass = sm.newSubManager()) {
                        NDArray queries = tuned.embed(pass, QueryPasses.rows(queryTokens, rows), true);
                        NDArray value = loss.computeRows(
                                pass,
                                queries,
                                candidates,
                                b.excluded(),
                                rows,
                                b.queries().size());
                        backward.accept(value);
                        total += scalar(value);
                    }
                }
                return total;
            });
        } finally {
            lora.setTraining(false);
        }
    }

    private static double scalar(NDArray value) {
        try (NoGradScope noGrad = NoGradScope.enter()) {
            return value.toType(DataType.FLOAT32, false).toFloatArray()[0];
        }
    }

    private List<String> prefixed(List<String> queries) {
        if (config.instruction().isEmpty()) {
            return queries;
        }
        List<String> out = new ArrayList<>(queries.size());
        queries.forEach(q -> out.add(config.instruction() + q));
        return out;
    }

    /** Frozen-base vectors of every candidate the plan uses, from the given lookup or embedded here. */
    private Map<String, float[]> baseVectors(String tenant, List<ContrastiveBatch> batches, TuningListener progress) {
        Map<String, String> texts = new LinkedHashMap<>();
        batches.forEach(b -> b.candidates().forEach(c -> texts.putIfAbsent(c.caseId(), c.text())));
        Map<String, float[]> vectors = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String id : texts.keySet()) {
            float[] v = baseCaseVectors == null ? null : baseCaseVectors.apply(id);
            if (v != null && v.length == encoder.dimension()) {
                vectors.put(id, v);
            } else {
                missing.add(id);
            }
        }
        // longest first keeps the padding of each embedding batch small
        missing.sort(
                Comparator.comparingInt((String id) -> texts.get(id).length()).reversed());
        TextEncoder base = encoder.withoutAdapter();
        int chunk = 64;
        long began = clock.millis();
        for (int from = 0; from < missing.size(); from += chunk) {
            List<String> ids = missing.subList(from, Math.min(missing.size(), from + chunk));
            List<float[]> embedded =
                    base.embedDocuments(ids.stream().map(texts::get).toList());
            for (int i = 0; i < ids.size(); i++) {
                vectors.put(ids.get(i), embedded.get(i));
            }
            int done = Math.min(missing.size(), from + chunk);
            long perItem = (clock.millis() - began) / Math.max(1, done);
            progress.onProgress(new TuningProgress(
                    tenant,
                    "embedding cases",
                    done,
                    missing.size(),
                    Double.NaN,
                    Duration.ofMillis(perItem * (missing.size() - done))));
        }
        return vectors;
    }

    private static List<TrainingExample> sample(List<TrainingExample> pool, int n, Random random) {
        if (n <= 0 || pool.isEmpty()) {
            return List.of();
        }
        List<TrainingExample> copy = new ArrayList<>(pool);
        Collections.shuffle(copy, random);
        return copy.subList(0, Math.min(n, copy.size()));
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }
}
