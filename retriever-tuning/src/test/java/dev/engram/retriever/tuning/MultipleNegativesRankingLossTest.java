package dev.engram.retriever.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class MultipleNegativesRankingLossTest {

    @Test
    void oneQueryOnePositiveOneNegativeAtScaleOne() {
        // cos(q, p) = 1, cos(q, n) = 0: loss = -log(e^1 / (e^1 + e^0)) = log(1 + e^-1)
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray q = m.create(new float[] {2, 0}, new Shape(1, 2));
            NDArray c = m.create(new float[] {3, 0, 0, 5}, new Shape(2, 2));
            float loss =
                    new MultipleNegativesRankingLoss(1f).compute(m, q, c, null).getFloat();
            assertThat(loss).isCloseTo(0.3132617f, within(1e-6f));
        }
    }

    @Test
    void matchesAHandComputedValueWithInBatchAndHardNegatives() {
        float[][] q = {{1, 0, 0}, {0, 1, 1}};
        // two positives, then one hard negative
        float[][] c = {{1, 1, 0}, {0, 1, 0}, {1, 0, 1}};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            float loss = new MultipleNegativesRankingLoss()
                    .compute(m, matrix(m, q), matrix(m, c), null)
                    .getFloat();
            assertThat((double) loss).isCloseTo(reference(q, c, 20, null), within(1e-5));
            // row 0: cos to c0 = 1/√2, c1 = 0, c2 = 1/√2; row 1: c0 = 1/2, c1 = 1/√2, c2 = 1/2
            double s = 20 / Math.sqrt(2);
            double row0 = -(s - Math.log(Math.exp(s) + 1 + Math.exp(s)));
            double row1 = -(s - Math.log(2 * Math.exp(10) + Math.exp(s)));
            assertThat((double) loss).isCloseTo((row0 + row1) / 2, within(1e-5));
        }
    }

    @Test
    void excludedCandidatesLeaveTheSoftmax() {
        float[][] q = {{1, 0, 0}, {0, 1, 1}};
        float[][] c = {{1, 1, 0}, {0, 1, 0}, {1, 0, 1}};
        boolean[][] excluded = {{false, false, true}, {false, false, false}};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            float loss = new MultipleNegativesRankingLoss()
                    .compute(m, matrix(m, q), matrix(m, c), excluded)
                    .getFloat();
            assertThat((double) loss).isCloseTo(reference(q, c, 20, excluded), within(1e-5));
            assertThat((double) loss).isLessThan(reference(q, c, 20, null) - 0.1);
        }
    }

    @Test
    void rowsInAnyGroupingAddUpToTheBatchLoss() {
        float[][] q = {{1, 0, 0}, {0, 1, 1}, {1, 1, 0}};
        float[][] c = {{1, 1, 0}, {0, 1, 0}, {1, 0, 1}, {0, 0, 1}};
        boolean[][] excluded = {{false, false, true, false}, {false, false, false, false}, {true, false, false, false}};
        MultipleNegativesRankingLoss loss = new MultipleNegativesRankingLoss();
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray candidates = matrix(m, c);
            float whole = loss.compute(m, matrix(m, q), candidates, excluded).getFloat();
            // rows 2 and 0 in one part, row 1 in another
            float first = loss.computeRows(
                            m, matrix(m, new float[][] {q[2], q[0]}), candidates, excluded, new int[] {2, 0}, 3)
                    .getFloat();
            float second = loss.computeRows(m, matrix(m, new float[][] {q[1]}), candidates, excluded, new int[] {1}, 3)
                    .getFloat();
            assertThat(first + second).isCloseTo(whole, within(1e-5f));
            assertThat((double) whole).isCloseTo(reference(q, c, 20, excluded), within(1e-5));
        }
    }

    @Test
    void gradientMatchesFiniteDifferencesEvenWithAGcBeforeBackward() {
        float[][] q = {{0.3f, -0.2f, 0.9f}, {0.5f, 0.4f, -0.1f}};
        float[][] c = {{0.2f, 0.1f, 0.7f}, {0.6f, 0.6f, 0.1f}, {-0.4f, 0.3f, 0.2f}};
        double[][] analytic = new double[2][3];
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray qa = matrix(m, q);
            qa.setRequiresGradient(true);
            try (NDManager step = m.newSubManager();
                    GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray loss = new MultipleNegativesRankingLoss().compute(step, qa, matrix(step, c), null);
                System.gc();
                System.gc();
                collector.backward(loss);
            }
            float[] g = qa.getGradient().toFloatArray();
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    analytic[i][j] = g[i * 3 + j];
                }
            }
        }
        double h = 1e-4;
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                float[][] plus = copy(q);
                float[][] minus = copy(q);
                plus[i][j] += (float) h;
                minus[i][j] -= (float) h;
                double numeric = (reference(plus, c, 20, null) - reference(minus, c, 20, null)) / (2 * h);
                assertThat(analytic[i][j]).as("d loss / d q[%d][%d]", i, j).isCloseTo(numeric, within(2e-2));
            }
        }
    }

    /** The loss in doubles, straight from its definition. */
    private static double reference(float[][] q, float[][] c, double scale, boolean[][] excluded) {
        double total = 0;
        for (int i = 0; i < q.length; i++) {
            double[] logits = new double[c.length];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c.length; j++) {
                logits[j] = excluded != null && excluded[i][j] && j != i
                        ? Double.NEGATIVE_INFINITY
                        : scale * cos(q[i], c[j]);
                max = Math.max(max, logits[j]);
            }
            double sum = 0;
            for (double l : logits) {
                sum += Math.exp(l - max);
            }
            total += -(logits[i] - max - Math.log(sum));
        }
        return total / q.length;
    }

    private static double cos(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int k = 0; k < a.length; k++) {
            dot += a[k] * b[k];
            na += a[k] * a[k];
            nb += b[k] * b[k];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static NDArray matrix(NDManager m, float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
        }
        return m.create(flat, new Shape(rows.length, rows[0].length));
    }

    private static float[][] copy(float[][] a) {
        float[][] b = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i].clone();
        }
        return b;
    }
}
