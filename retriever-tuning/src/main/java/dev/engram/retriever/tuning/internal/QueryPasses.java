package dev.engram.retriever.tuning.internal;

import dev.engram.retriever.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Splits a step's queries into passes through the query tower that each hold at most a budget of
 * word pieces (rows x the pass's padded length), longest rows first so that rows of like length
 * share a pass and little is padded. A query-side step's activations grow with rows x length (and
 * its attention with length squared): a batch of 32 queries of 256 word pieces kept every row's
 * activations until backward, a few GB; in passes of 2,048 word pieces only one pass's are alive.
 */
public final class QueryPasses {

    private QueryPasses() {}

    /**
     * The batch rows of each pass; one pass of every row, in order, when {@code tokensPerPass} is 0
     * or the whole padded batch fits in it.
     */
    public static List<int[]> plan(TokenBatch batch, int tokensPerPass) {
        int n = batch.size();
        if (tokensPerPass <= 0 || (long) n * batch.length() <= tokensPerPass) {
            int[] all = new int[n];
            Arrays.setAll(all, i -> i);
            return List.of(all);
        }
        int[] tokens = new int[n];
        Arrays.setAll(tokens, batch::tokens);
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> tokens[i]).reversed());
        List<int[]> passes = new ArrayList<>();
        int from = 0;
        while (from < n) {
            int rows = Math.max(1, Math.min(n - from, tokensPerPass / Math.max(1, tokens[order[from]])));
            int[] pass = new int[rows];
            for (int k = 0; k < rows; k++) {
                pass[k] = order[from + k];
            }
            passes.add(pass);
            from += rows;
        }
        return passes;
    }

    /** The given rows of {@code batch}, padded to the longest of them. */
    public static TokenBatch rows(TokenBatch batch, int[] rows) {
        int width = 1;
        for (int r : rows) {
            width = Math.max(width, batch.tokens(r));
        }
        long[] ids = new long[rows.length * width];
        long[] mask = new long[rows.length * width];
        long[] types = new long[rows.length * width];
        for (int k = 0; k < rows.length; k++) {
            int src = rows[k] * batch.length();
            int copied = Math.min(width, batch.length());
            System.arraycopy(batch.inputIds(), src, ids, k * width, copied);
            System.arraycopy(batch.attentionMask(), src, mask, k * width, copied);
            System.arraycopy(batch.tokenTypeIds(), src, types, k * width, copied);
        }
        return new TokenBatch(rows.length, width, ids, mask, types);
    }
}
