package dev.engram.agentmodel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.engram.agentmodel.internal.OwnedArrays;

/**
 * Negative log-likelihood of the target tokens of an {@link SftBatch} under next-token logits:
 * {@code −log softmax(logits[t])[label[t]]} where the target mask is 1. No scalar-{@code Number}
 * op touches the graph (DESIGN.md, DJL pitfall 1): the mask and counts are arrays in {@code m}.
 */
public final class CausalLmLoss {

    private CausalLmLoss() {}

    /** The mean over all target tokens of the batch: the training loss, a scalar. */
    public static NDArray mean(NDManager m, NDArray logits, SftBatch batch) {
        NDArray masked = tokenNll(m, logits, batch);
        NDArray count = OwnedArrays.scalar(m, Math.max(1, batch.targetTokens()));
        return masked.sum().div(count);
    }

    /** Per row, the mean over that row's target tokens, [size]: the gate's per-episode score. */
    public static NDArray perSequence(NDManager m, NDArray logits, SftBatch batch) {
        int b = batch.inputs().size();
        int t = batch.inputs().length();
        float[] counts = new float[b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                counts[i] += batch.targetMask()[i * t + j];
            }
            counts[i] = Math.max(1, counts[i]);
        }
        return tokenNll(m, logits, batch).sum(new int[] {1}).div(OwnedArrays.of(m, counts, new Shape(b)));
    }

    /** Each position's NLL times its mask, [size, length]. */
    private static NDArray tokenNll(NDManager m, NDArray logits, SftBatch batch) {
        int b = batch.inputs().size();
        int t = batch.inputs().length();
        NDArray labels = OwnedArrays.of(m, batch.labels(), new Shape(b, t, 1));
        NDArray mask = OwnedArrays.of(m, batch.targetMask(), new Shape(b, t));
        NDArray logProbs = logits.toType(DataType.FLOAT32, false).logSoftmax(2);
        NDArray picked = logProbs.gather(labels, 2).reshape(b, t);
        return picked.neg().mul(mask);
    }
}
