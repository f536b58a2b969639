package dev.engram.adapters.internal;

/**
 * Reduced QR decomposition {@code M = QR} by Householder reflections in double precision, with
 * LAPACK's sign convention ({@code R[k][k] = −sign(M[k][k])·‖column‖}), so that the factors agree
 * with {@code torch.linalg.qr} up to rounding. Used for OLoRA's initialisation.
 */
public final class HouseholderQr {

    private final double[][] q;
    private final double[][] r;

    /** Decomposes {@code m} ({@code rows × cols}); Q is {@code rows × k}, R is {@code k × cols}, k = min. */
    public HouseholderQr(double[][] m) {
        int rows = m.length;
        int cols = m[0].length;
        int k = Math.min(rows, cols);
        double[][] a = new double[rows][];
        for (int i = 0; i < rows; i++) {
            a[i] = m[i].clone();
        }
        double[][] vs = new double[k][];
        double[] taus = new double[k];
        for (int j = 0; j < k; j++) {
            double alpha = a[j][j];
            double xnorm2 = 0;
            for (int i = j + 1; i < rows; i++) {
                xnorm2 += a[i][j] * a[i][j];
            }
            double[] v = new double[rows];
            if (xnorm2 == 0) {
                vs[j] = v;
                taus[j] = 0; // H = I, as LAPACK does
                continue;
            }
            double beta = -Math.copySign(Math.sqrt(alpha * alpha + xnorm2), alpha);
            double tau = (beta - alpha) / beta;
            double scale = 1 / (alpha - beta);
            v[j] = 1;
            for (int i = j + 1; i < rows; i++) {
                v[i] = a[i][j] * scale;
            }
            // apply H = I - tau v vᵀ to the remaining columns
            for (int c = j; c < cols; c++) {
                double dot = 0;
                for (int i = j; i < rows; i++) {
                    dot += v[i] * a[i][c];
                }
                dot *= tau;
                for (int i = j; i < rows; i++) {
                    a[i][c] -= dot * v[i];
                }
            }
            vs[j] = v;
            taus[j] = tau;
        }
        r = new double[k][cols];
        for (int i = 0; i < k; i++) {
            for (int c = i; c < cols; c++) {
                r[i][c] = a[i][c];
            }
        }
        // Q = H_0 H_1 ... H_{k-1} applied to the first k columns of the identity
        q = new double[rows][k];
        for (int i = 0; i < k; i++) {
            q[i][i] = 1;
        }
        for (int j = k - 1; j >= 0; j--) {
            double[] v = vs[j];
            double tau = taus[j];
            if (tau == 0) {
                continue;
            }
            for (int c = 0; c < k; c++) {
                double dot = 0;
                for (int i = j; i < rows; i++) {
                    dot += v[i] * q[i][c];
                }
                dot *= tau;
                for (int i = j; i < rows; i++) {
                    q[i][c] -= dot * v[i];
                }
            }
        }
    }

    /** Q, {@code rows × min(rows, cols)}, orthonormal columns. */
    public double[][] q() {
        return q;
    }

    /** R, {@code min(rows, cols) × cols}, upper triangular. */
    public double[][] r() {
        return r;
    }
}
