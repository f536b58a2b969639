package dev.engram.retriever.ranking.internal;

/**
 * Min-max scaling of one list's scores onto [0, 1], so that scores of different kinds (BM25, cosine,
 * a base ranker's score) can be added with a weight that means the same on every query.
 */
public final class MinMaxScaling {

    private MinMaxScaling() {}

    /**
     * {@code (x − min) / (max − min)} for each value. When every value is the same (one value, or a
     * tie across the list) each becomes 1: they are all the list's best, and a constant must not
     * divide by zero.
     */
    public static double[] scale(double[] values) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double[] out = new double[values.length];
        double range = max - min;
        for (int i = 0; i < values.length; i++) {
            out[i] = range > 0 ? (values[i] - min) / range : 1.0;
        }
        return out;
    }
}
