package dev.engram.agentmodel;

import ai.djl.ndarray.NDManager;
import dev.engram.adapters.NoGradScope;
import java.util.List;

/**
 * Per-token negative log-likelihood of each example's target (the plan) under a model, without
 * gradients: what training watches and what the gate compares.
 *
 * <pre>{@code
 * double[] nll = PlanLoss.perExample(model, heldOut, 8, manager);   // nats per plan token, per episode
 * }</pre>
 */
public final class PlanLoss {

    /** The id that pads batches; padded positions are masked out, so any valid id would do. */
    static final long PAD_ID = 0;

    private PlanLoss() {}

    /** One value per example, in order: the mean NLL of its target tokens. */
    public static double[] perExample(LlamaModel model, List<SftExample> examples, int batchSize, NDManager manager) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
        }
        double[] out = new double[examples.size()];
        try (NoGradScope noGrad = NoGradScope.enter()) {
            for (int from = 0; from < examples.size(); from += batchSize) {
                List<SftExample> chunk = examples.subList(from, Math.min(examples.size(), from + batchSize));
                try (NDManager step = manager.newSubManager()) {
                    SftBatch batch = SftBatch.of(chunk, PAD_ID);
                    float[] nll = CausalLmLoss.perSequence(step, model.logits(step, batch.inputs(), false), batch)
                            .toFloatArray();
                    for (int i = 0; i < nll.length; i++) {
                        out[from + i] = nll[i];
                    }
                }
            }
        }
        return out;
    }

    /** The mean over all target tokens of all examples. */
    public static double mean(LlamaModel model, List<SftExample> examples, int batchSize, NDManager manager) {
        return tokenMean(perExample(model, examples, batchSize, manager), examples);
    }

    /** Per-example means weighted by their target tokens: the mean over all target tokens. */
    static double tokenMean(double[] per, List<SftExample> examples) {
        double sum = 0;
        long tokens = 0;
        for (int i = 0; i < per.length; i++) {
            int n = examples.get(i).targetIds().length;
            sum += per[i] * n;
            tokens += n;
        }
        return tokens == 0 ? Double.NaN : sum / tokens;
    }
}
