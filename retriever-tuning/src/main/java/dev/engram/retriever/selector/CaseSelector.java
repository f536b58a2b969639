package dev.engram.retriever.selector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.engram.adapters.TrainableParameter;
import dev.engram.retriever.selector.internal.SelectorTraining;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * AgentFly's parametric case-selection policy Q(s, c): the probability that case {@code c} helps
 * on task {@code s}, from the concatenated encoder embeddings of the two through an MLP
 * {@code 2h → hidden → 2} (ReLU), trained with class-weighted cross-entropy on judged recalls and
 * updated online from new judgements. It re-ranks the top of a recall.
 *
 * <pre>{@code
 * try (CaseSelector selector = CaseSelector.create(384, SelectorConfig.defaults())) {
 *     selector.fit(examples);                           // judged recalls, embedded
 *     List<ScoredCase> reranked = selector.rerank(encoder.embedQuery(task), recall.ranked(),
 *             s -> caseVectors.get(s.match().caseId()));
 *     selector.update(newExamples);                      // online, with a replay sample
 * }
 * }</pre>
 *
 * <p>Training goes through the LoRA core's training loop and so takes the JVM's single gradient
 * collector: do not train a selector while a retriever trains in the same process. Scoring is
 * thread-safe against other scoring, not against training.
 */
public final class CaseSelector implements AutoCloseable {

    private final int dimension;
    private final SelectorConfig config;
    private final NDManager manager;
    private final NDArray w1;
    private final NDArray b1;
    private final NDArray w2;
    private final NDArray b2;
    private final List<SelectorExample> seen = new ArrayList<>();
    private final Random random;

    private CaseSelector(int dimension, SelectorConfig config, NDManager manager) {
        this.dimension = dimension;
        this.config = config;
        this.manager = manager;
        this.random = new Random(config.seed());
        int in = 2 * dimension;
        int hidden = config.hiddenSize();
        // PyTorch nn.Linear's default: U(-1/√fan_in, 1/√fan_in) for weight and bias; weights [out, in]
        this.w1 = uniform(new Shape(hidden, in), 1 / Math.sqrt(in), "selector.w1");
        this.b1 = uniform(new Shape(hidden), 1 / Math.sqrt(in), "selector.b1");
        this.w2 = uniform(new Shape(2, hidden), 1 / Math.sqrt(hidden), "selector.w2");
        this.b2 = uniform(new Shape(2), 1 / Math.sqrt(hidden), "selector.b2");
        for (NDArray p : List.of(w1, b1, w2, b2)) {
            p.setRequiresGradient(true);
        }
    }

    /**
     * A fresh, untrained selector for embeddings of length {@code dimension}, on the CPU of the
     * PyTorch engine.
     */
    public static CaseSelector create(int dimension, SelectorConfig config) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be >= 1, was " + dimension);
        }
        return new CaseSelector(dimension, config, NDManager.newBaseManager("PyTorch"));
    }

    private NDArray uniform(Shape shape, double bound, String name) {
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        NDArray a = manager.create(v, shape);
        a.setName(name);
        return a;
    }

    public int dimension() {
        return dimension;
    }

    public SelectorConfig config() {
        return config;
    }

    /** How many examples the selector has been trained on in total. */
    public int examplesSeen() {
        return seen.size();
    }

    /**
     * Trains on {@code examples} for {@link SelectorConfig#epochs()} epochs, from the current weights.
     *
     * @return the mean loss of the last epoch
     * @throws IllegalArgumentException when there are no examples, or only one class
     */
    public double fit(List<SelectorExample> examples) {
        double loss = train(examples, config.epochs());
        seen.addAll(examples);
        return loss;
    }

    /**
     * Online update from new judgements: {@link SelectorConfig#onlineEpochs()} epochs over them plus
     * a replay sample of up to {@link SelectorConfig#replaySize()} earlier examples, so that what was
     * learned before is not forgotten.
     *
     * @return the mean loss of the last epoch
     */
    public double update(List<SelectorExample> newExamples) {
        List<SelectorExample> batch = new ArrayList<>(newExamples);
        List<SelectorExample> old = new ArrayList<>(seen);
        java.util.Collections.shuffle(old, random);
        batch.addAll(old.subList(0, Math.min(config.replaySize(), old.size())));
        double loss = train(batch, config.onlineEpochs());
        seen.addAll(newExamples);
        return loss;
    }

    private double train(List<SelectorExample> examples, int epochs) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to train the case selector on");
        }
        for (SelectorExample e : examples) {
            if (e.task().length != dimension) {
                throw new IllegalArgumentException(
                        "example embeddings have length " + e.task().length + ", this selector takes " + dimension);
            }
        }
        long useful = examples.stream().filter(SelectorExample::useful).count();
        if (useful == 0 || useful == examples.size()) {
            throw new IllegalArgumentException("the case selector needs both useful and not-useful judgements; got "
                    + useful + " useful of " + examples.size());
        }
        // class weights n / (2 n_c): both classes weigh the same in the loss
        float[] classWeight = {
            (float) (examples.size() / (2.0 * (examples.size() - useful))), (float) (examples.size() / (2.0 * useful))
        };
        List<SelectorExample> order = new ArrayList<>(examples);
        List<TrainableParameter> params = List.of(
                new TrainableParameter("selector.w1", w1, 1, true),
                new TrainableParameter("selector.b1", b1, 1, false),
                new TrainableParameter("selector.w2", w2, 1, true),
                new TrainableParameter("selector.b2", b2, 1, false));
        int perEpoch = (examples.size() + config.batchSize() - 1) / config.batchSize();
        return SelectorTraining.run(params, config, epochs * perEpoch, perEpoch, (m, step) -> {
            int inEpoch = (int) (step % perEpoch);
            if (inEpoch == 0) {
                java.util.Collections.shuffle(order, random);
            }
            List<SelectorExample> batch = order.subList(
                    inEpoch * config.batchSize(), Math.min(order.size(), (inEpoch + 1) * config.batchSize()));
            return loss(m, batch, classWeight);
        });
    }

    /**
     * Class-weighted cross-entropy of a batch, {@code −Σ w_y log p_y / Σ w_y}; a scalar attached to
     * {@code m}. Every constant is an array in {@code m} (DESIGN.md pitfall 1).
     */
    NDArray loss(NDManager m, List<SelectorExample> batch, float[] classWeight) {
        int n = batch.size();
        float[] target = new float[n * 2];
        float total = 0;
        for (int i = 0; i < n; i++) {
            int y = batch.get(i).useful() ? 1 : 0;
            target[i * 2 + y] = classWeight[y];
            total += classWeight[y];
        }
        NDArray logProbs = logits(
                        m,
                        features(
                                m, batch.stream().map(SelectorExample::features).toList()))
                .logSoftmax(1);
        return logProbs.mul(m.create(target, new Shape(n, 2)))
                .sum()
                .div(m.create(total))
                .neg();
    }

    private NDArray features(NDManager m, List<float[]> rows) {
        float[] flat = new float[rows.size() * 2 * dimension];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, flat, i * 2 * dimension, 2 * dimension);
        }
        return m.create(flat, new Shape(rows.size(), 2L * dimension));
    }

    private NDArray logits(NDManager m, NDArray x) {
        NDArray h = ai.djl.nn.core.Linear.linear(x, w1, b1).singletonOrThrow();
        h = ai.djl.nn.Activation.relu(h);
        return ai.djl.nn.core.Linear.linear(h, w2, b2).singletonOrThrow();
    }

    /** Q(s, c) for one task and each case vector: the probability that the case is useful. */
    public float[] usefulness(float[] task, List<float[]> cases) {
        if (task.length != dimension) {
            throw new IllegalArgumentException(
                    "task embedding has length " + task.length + ", this selector takes " + dimension);
        }
        if (cases.isEmpty()) {
            return new float[0];
        }
        List<float[]> rows = new ArrayList<>(cases.size());
        for (float[] c : cases) {
            if (c == null || c.length != dimension) {
                throw new IllegalArgumentException(
                        "case embedding must have length " + dimension + ", had " + (c == null ? "null" : c.length));
            }
            float[] x = Arrays.copyOf(task, 2 * dimension);
            System.arraycopy(c, 0, x, dimension, dimension);
            rows.add(x);
        }
        try (NDManager m = manager.newSubManager()) {
            boolean previous = ai.djl.pytorch.jni.JniUtils.isGradMode();
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
            try {
                float[] p = logits(m, features(m, rows)).softmax(1).toFloatArray();
                float[] useful = new float[cases.size()];
                for (int i = 0; i < useful.length; i++) {
                    useful[i] = p[i * 2 + 1];
                }
                return useful;
            } finally {
                ai.djl.pytorch.jni.JniUtils.setGradMode(previous);
            }
        }
    }

    /**
     * Re-ranks the top {@link SelectorConfig#rerankDepth()} of {@code ranked} by
     * {@code blend · Q(s, c) + (1 − blend) · rank prior} (see {@link SelectorConfig#blend()}); the rest
     * keeps its order after them. Ties keep the recall's order.
     *
     * @param task the task's (query-tower) embedding
     * @param ranked the recall, best first
     * @param vectorOf each recalled item's case (document-tower) embedding
     */
    public <T> List<T> rerank(float[] task, List<T> ranked, Function<T, float[]> vectorOf) {
        return rerank(task, ranked, vectorOf, config.blend());
    }

    /** As {@link #rerank(float[], List, Function)} with another {@code blend} in [0, 1]. */
    public <T> List<T> rerank(float[] task, List<T> ranked, Function<T, float[]> vectorOf, double blend) {
        if (!(blend >= 0 && blend <= 1)) {
            throw new IllegalArgumentException("blend must be in [0, 1], was " + blend);
        }
        int depth = Math.min(config.rerankDepth(), ranked.size());
        if (depth < 2) {
            return List.copyOf(ranked);
        }
        List<T> head = ranked.subList(0, depth);
        float[] q = usefulness(task, head.stream().map(vectorOf).toList());
        double[] score = new double[depth];
        for (int i = 0; i < depth; i++) {
            score[i] = blend * q[i] + (1 - blend) * (1 - (double) i / depth);
        }
        Integer[] order = new Integer[depth];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -score[i]).thenComparingInt(i -> i));
        List<T> out = new ArrayList<>(ranked.size());
        for (Integer i : order) {
            out.add(head.get(i));
        }
        out.addAll(ranked.subList(depth, ranked.size()));
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
