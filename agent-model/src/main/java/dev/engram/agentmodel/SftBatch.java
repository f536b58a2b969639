package dev.engram.agentmodel;

import java.util.ArrayList;
import java.util.List;

/**
 * Examples ready for a forward pass: inputs are prompt + target without its last token, and the
 * label at position t is the id at t + 1; {@code targetMask} is 1 exactly where that label is a
 * target token, so the loss covers the plan and never the prompt or the padding.
 *
 * @param inputs right-padded input ids
 * @param labels next-token ids, {@code size × length} (0 where masked)
 * @param targetMask 1 where the label is a target token, else 0
 */
public record SftBatch(TokenBatch inputs, long[] labels, float[] targetMask) {

    public SftBatch {
        int n = inputs.ids().length;
        if (labels.length != n || targetMask.length != n) {
            throw new IllegalArgumentException("labels and targetMask must hold " + n + " values");
        }
    }

    /** The batch of {@code examples}, padded on the right with {@code padId}. */
    public static SftBatch of(List<SftExample> examples, long padId) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        List<long[]> rows = new ArrayList<>();
        for (SftExample e : examples) {
            long[] full = new long[e.length() - 1];
            System.arraycopy(e.promptIds(), 0, full, 0, e.promptIds().length);
            System.arraycopy(e.targetIds(), 0, full, e.promptIds().length, e.targetIds().length - 1);
            rows.add(full);
        }
        TokenBatch inputs = TokenBatch.rightPadded(rows, padId);
        int length = inputs.length();
        long[] labels = new long[examples.size() * length];
        float[] mask = new float[labels.length];
        for (int i = 0; i < examples.size(); i++) {
            SftExample e = examples.get(i);
            int p = e.promptIds().length;
            // the last prompt position predicts the first target token
            for (int j = 0; j < e.targetIds().length; j++) {
                labels[i * length + p - 1 + j] = e.targetIds()[j];
                mask[i * length + p - 1 + j] = 1f;
            }
        }
        return new SftBatch(inputs, labels, mask);
    }

    /** How many target tokens the batch holds (what the loss averages over). */
    public int targetTokens() {
        int n = 0;
        for (float m : targetMask) {
            n += (int) m;
        }
        return n;
    }
}
