package dev.engram.retriever.tuning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Multiple-negatives ranking loss (sentence-transformers' {@code MultipleNegativesRankingLoss}):
 * for each query, cross-entropy over the scaled cosine similarities to every candidate in the
 * batch, with its own positive as the target. The candidates are the batch's positives (the
 * in-batch negatives of every other row) followed by any hard negatives.
 *
 * <p>A mask keeps known positives of a query out of its negatives: when two rows share a task, or
 * a case is a positive of one row and a hard negative of another, the column that is also a
 * positive of the row is excluded from that row's softmax (its label column stays).
 *
 * <p>Every constant enters the graph as an {@link NDArray} attached to the step's manager, never as
 * a {@code Number} operand (DESIGN.md pitfall 1: the scalar's temporary tensor can be freed by a GC
 * before backward, silently corrupting gradients).
 *
 * <pre>{@code
 * try (NDManager step = manager.newSubManager()) {
 *     NDArray q = encoder.embed(step, queries, true);           // [B, h]
 *     NDArray c = encoder.embed(step, candidates, false);       // [B + N, h]
 *     NDArray loss = loss.compute(step, q, c, excluded);        // excluded: [B][B + N] or null
 *     ... backward inside the gradient collector, then close step
 * }
 * }</pre>
 */
public final class MultipleNegativesRankingLoss {

    /** sentence-transformers' default: the similarity scale (inverse temperature) 20. */
    public static final float DEFAULT_SCALE = 20f;

    /** Added to excluded logits; far below any scaled cosine, far above float's lowest value. */
    private static final float EXCLUDED = -1e4f;

    private final float scale;

    public MultipleNegativesRankingLoss(float scale) {
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite, was " + scale);
        }
        this.scale = scale;
    }

    /** The loss with the default scale 20. */
    public MultipleNegativesRankingLoss() {
        this(DEFAULT_SCALE);
    }

    public float scale() {
        return scale;
    }

    /**
     * The mean loss over the batch, a scalar array attached to {@code m}.
     *
     * @param m the step's manager; every constant and intermediate lives in it (keep it open until
     *     after backward)
     * @param queries [B, h], not necessarily normalised
     * @param candidates [C, h] with C ≥ B; row i &lt; B is the positive of query i
     * @param excluded {@code excluded[i][j]} = true drops candidate j from query i's softmax (never
     *     j == i); {@code null} for none
     */
    public NDArray compute(NDManager m, NDArray queries, NDArray candidates, boolean[][] excluded) {
        int rows = (int) queries.getShape().get(0);
        int[] all = new int[rows];
        for (int i = 0; i < rows; i++) {
            all[i] = i;
        }
        return rowLogProbs(m, queries, candidates, excluded, all, rows).mean().neg();
    }

    /**
     * The share of {@link #compute}'s mean loss that some rows of the batch contribute: the sum of
     * their losses over {@code batchRows}. Each row's loss depends on its own query and the
     * candidates only, so over a partition of the rows these parts add up to {@code compute}'s value
     * and their gradients to its gradient: a step can embed its queries in several passes and run
     * backward on each part before the next, holding one pass's activations at a time.
     *
     * @param queries [r, h]; row k is the batch's row {@code rows[k]}
     * @param candidates [C, h] of the whole batch; candidate i is the positive of batch row i
     * @param excluded as for {@link #compute}, over the whole batch ([B][C]), or {@code null}
     * @param rows which batch rows the queries are, each in [0, batchRows)
     * @param batchRows B, the rows of the whole batch
     */
    public NDArray computeRows(
            NDManager m, NDArray queries, NDArray candidates, boolean[][] excluded, int[] rows, int batchRows) {
        return rowLogProbs(m, queries, candidates, excluded, rows, batchRows)
                .sum()
                .mul(m.create(1f / batchRows))
                .neg();
    }

    /** Each query's log-probability of its own positive, [r]. */
    private NDArray rowLogProbs(
            NDManager m, NDArray queries, NDArray candidates, boolean[][] excluded, int[] batchRows, int rowsInBatch) {
        long b = queries.getShape().get(0);
        long c = candidates.getShape().get(0);
        if (queries.getShape().dimension() != 2
                || candidates.getShape().dimension() != 2
                || queries.getShape().get(1) != candidates.getShape().get(1)) {
            throw new IllegalArgumentException("queries must be [B, h] and candidates [C, h] with the same h, were "
                    + queries.getShape() + " and " + candidates.getShape());
        }
        if (batchRows.length != b) {
            throw new IllegalArgumentException(b + " queries but " + batchRows.length + " row numbers");
        }
        if (c < rowsInBatch) {
            throw new IllegalArgumentException("need at least one candidate per query (its positive): " + rowsInBatch
                    + " queries, " + c + " candidates");
        }
        int rows = (int) b;
        int cols = (int) c;
        if (excluded != null && excluded.length != rowsInBatch) {
            throw new IllegalArgumentException("excluded must be [" + rowsInBatch + "][" + cols + "]");
        }
        float[] target = new float[rows * cols];
        float[] mask = new float[rows * cols];
        for (int k = 0; k < rows; k++) {
            int i = batchRows[k];
            if (i < 0 || i >= rowsInBatch) {
                throw new IllegalArgumentException("row " + i + " is outside the batch's " + rowsInBatch + " rows");
            }
            target[k * cols + i] = 1f;
            if (excluded != null) {
                if (excluded[i].length != cols) {
                    throw new IllegalArgumentException("excluded must be [" + rowsInBatch + "][" + cols + "]");
                }
                for (int j = 0; j < cols; j++) {
                    if (excluded[i][j] && j != i) {
                        mask[k * cols + j] = EXCLUDED;
                    }
                }
            }
        }
        NDArray scaleArray = m.create(scale);
        NDArray logits = cosine(m, queries, candidates).mul(scaleArray).add(m.create(mask, new Shape(rows, cols)));
        NDArray logProbs = logits.logSoftmax(1);
        return logProbs.mul(m.create(target, new Shape(rows, cols))).sum(new int[] {1});
    }

    /** Cosine similarities [B, C] of the rows of {@code a} [B, h] and {@code b} [C, h]. */
    public static NDArray cosine(NDManager m, NDArray a, NDArray b) {
        return normalize(m, a).matMul(normalize(m, b).transpose());
    }

    /** Rows scaled to unit L2 norm (a tiny epsilon keeps a zero row finite). */
    public static NDArray normalize(NDManager m, NDArray x) {
        NDArray eps = m.create(1e-12f);
        return x.div(x.mul(x).sum(new int[] {1}, true).add(eps).sqrt());
    }
}
