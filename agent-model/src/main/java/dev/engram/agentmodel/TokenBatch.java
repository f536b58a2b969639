package dev.engram.agentmodel;

import java.util.Arrays;
import java.util.List;

/**
 * Token ids for a forward pass: {@code size} rows of {@code length} ids, row-major, padded on the
 * right (a causal model never lets a real token see the padding after it).
 *
 * <pre>{@code
 * TokenBatch batch = TokenBatch.rightPadded(List.of(tokenizer.encode("list the files", true)), 0);
 * }</pre>
 *
 * @param ids {@code size × length} ids, each ≥ 0
 * @param size rows, ≥ 1
 * @param length ids per row, ≥ 1
 */
public record TokenBatch(long[] ids, int size, int length) {

    public TokenBatch {
        if (size < 1 || length < 1) {
            throw new IllegalArgumentException(
                    "a token batch needs size >= 1 and length >= 1, was " + size + " x " + length);
        }
        if (ids == null || ids.length != (long) size * length) {
            throw new IllegalArgumentException("ids must hold size x length = " + (long) size * length + " ids, had "
                    + (ids == null ? "null" : ids.length));
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0) {
                throw new IllegalArgumentException("ids[" + i + "] is negative (" + ids[i] + ")");
            }
        }
    }

    /** Rows padded on the right with {@code padId} to the longest row. */
    public static TokenBatch rightPadded(List<long[]> rows, long padId) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("rows must not be empty");
        }
        int length = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        long[] ids = new long[rows.size() * length];
        Arrays.fill(ids, padId);
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, ids, i * length, rows.get(i).length);
        }
        return new TokenBatch(ids, rows.size(), length);
    }

    /** The id at row {@code row}, position {@code t}. */
    public long id(int row, int t) {
        return ids[row * length + t];
    }
}
