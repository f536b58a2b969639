package dev.engram.retriever;

import java.util.Objects;

/**
 * Token ids of a batch of texts, padded to the longest one, flattened row-major as
 * [size, length]. Padding positions have id 0 and attention mask 0.
 *
 * @param size number of texts
 * @param length tokens per row after padding, {@code [CLS]} and {@code [SEP]} included
 * @param inputIds word-piece ids, {@code size * length} of them
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param tokenTypeIds segment ids (all 0 for single texts)
 */
public record TokenBatch(int size, int length, long[] inputIds, long[] attentionMask, long[] tokenTypeIds) {

    public TokenBatch {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive, was " + size);
        }
        if (length <= 0) {
            throw new IllegalArgumentException("length must be positive, was " + length);
        }
        long n = (long) size * length;
        check(inputIds, "inputIds", n);
        check(attentionMask, "attentionMask", n);
        check(tokenTypeIds, "tokenTypeIds", n);
    }

    /** Number of real (unpadded) tokens in row {@code row}. */
    public int tokens(int row) {
        Objects.checkIndex(row, size);
        int count = 0;
        for (int i = row * length; i < (row + 1) * length; i++) {
            count += (int) attentionMask[i];
        }
        return count;
    }

    private static void check(long[] values, String field, long expected) {
        Objects.requireNonNull(values, field);
        if (values.length != expected) {
            throw new IllegalArgumentException(
                    field + " must hold size * length = " + expected + " values, held " + values.length);
        }
    }

    @Override
    public String toString() {
        return "TokenBatch[size=" + size + ", length=" + length + "]";
    }
}
