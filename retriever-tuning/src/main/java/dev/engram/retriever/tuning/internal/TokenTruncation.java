package dev.engram.retriever.tuning.internal;

import dev.engram.retriever.TokenBatch;

/**
 * Shortens a token batch to at most {@code maxLength} positions, keeping each row's final special
 * token ({@code [SEP]}) as its last one, as a tokenizer truncating at that length would.
 */
public final class TokenTruncation {

    private TokenTruncation() {}

    public static TokenBatch truncate(TokenBatch batch, int maxLength) {
        if (batch.length() <= maxLength) {
            return batch;
        }
        int n = batch.size();
        int width = 0;
        int[] keep = new int[n];
        for (int r = 0; r < n; r++) {
            keep[r] = Math.min(batch.tokens(r), maxLength);
            width = Math.max(width, keep[r]);
        }
        long[] ids = new long[n * width];
        long[] mask = new long[n * width];
        long[] types = new long[n * width];
        for (int r = 0; r < n; r++) {
            int tokens = batch.tokens(r);
            int src = r * batch.length();
            int dst = r * width;
            System.arraycopy(batch.inputIds(), src, ids, dst, keep[r]);
            System.arraycopy(batch.tokenTypeIds(), src, types, dst, keep[r]);
            if (tokens > keep[r]) {
                ids[dst + keep[r] - 1] = batch.inputIds()[src + tokens - 1];
            }
            for (int k = 0; k < keep[r]; k++) {
                mask[dst + k] = 1;
            }
        }
        return new TokenBatch(n, width, ids, mask, types);
    }
}
