package dev.engram.memory;

import java.util.Arrays;
import java.util.Objects;

/**
 * What to recall: the tenant whose cases are searched, the task, the {@link RecallMode} (which
 * first-stage searches run), the query vector when the mode searches vectors, how many cases to
 * return and how deep each search goes for candidates.
 *
 * <pre>{@code
 * RecallQuery.bm25("acme", "flutter of a heated wing", 10);
 * RecallQuery.hybrid("acme", task, embedder.embedQuery(task), 10);
 * RecallQuery.dense("acme", task, embedder.embedQuery(task), 10).withDepth(500);
 * }</pre>
 *
 * @param tenant the only tenant whose cases can be returned; required
 * @param text the task; required and not blank in every mode (BM25 searches it; rankers may read it)
 * @param vector the query vector (length = the store's vector dimension, finite, non-zero), required
 *     when {@code mode.usesVector()} and {@code null} in {@link RecallMode#BM25}; copied on construction
 * @param mode which searches run; required
 * @param k how many cases to return, in [1, {@link #MAX_K}]
 * @param depth how many candidates each search returns, in [k, {@link #MAX_DEPTH}]; the factories use
 *     {@link #defaultDepth(RecallMode, int)}
 */
public record RecallQuery(String tenant, String text, float[] vector, RecallMode mode, int k, int depth) {

    /** The largest {@code k} a query may ask for. */
    public static final int MAX_K = 1000;
    /** The largest candidate depth a query may ask for. */
    public static final int MAX_DEPTH = 10_000;
    /** A query that searches vectors fetches at least this many candidates from each search ... */
    public static final int MIN_FUSION_DEPTH = 100;
    /** ... and at least this many times k. */
    public static final int FUSION_DEPTH_FACTOR = 4;

    public RecallQuery {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("recallQuery.tenant is required and must not be blank");
        }
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(
                    "recallQuery.text is required and must not be blank: it is the task, " + "in every mode");
        }
        Objects.requireNonNull(mode, "recallQuery.mode is required (hybrid, bm25 or dense)");
        if (mode.usesVector()) {
            if (vector == null) {
                throw new IllegalArgumentException("recallQuery.vector is required in mode " + mode.wireName()
                        + " (embed the task, or use mode bm25)");
            }
            if (vector.length == 0) {
                throw new IllegalArgumentException("recallQuery.vector must not be empty");
            }
            for (float f : vector) {
                if (!Float.isFinite(f)) {
                    throw new IllegalArgumentException("recallQuery.vector must be finite, found " + f);
                }
            }
            vector = vector.clone();
        } else if (vector != null) {
            throw new IllegalArgumentException(
                    "recallQuery.vector must be null in mode bm25 (use hybrid or dense to " + "search vectors)");
        }
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("recallQuery.k must be in [1, " + MAX_K + "], was " + k);
        }
        if (depth < k || depth > MAX_DEPTH) {
            throw new IllegalArgumentException(
                    "recallQuery.depth must be in [k = " + k + ", " + MAX_DEPTH + "], was " + depth);
        }
    }

    /**
     * The candidate depth the factories use: {@code k} for {@link RecallMode#BM25} (a single list needs
     * no fusion, and BM25's top-k pruning works best at k), else
     * {@code max(}{@value #MIN_FUSION_DEPTH}{@code , }{@value #FUSION_DEPTH_FACTOR}{@code  * k)}.
     */
    public static int defaultDepth(RecallMode mode, int k) {
        return mode.usesVector() ? Math.max(MIN_FUSION_DEPTH, FUSION_DEPTH_FACTOR * k) : k;
    }

    /** A query of this mode at the default depth; {@code vector} must be null for BM25. */
    public static RecallQuery of(RecallMode mode, String tenant, String text, float[] vector, int k) {
        Objects.requireNonNull(mode, "recallQuery.mode is required (hybrid, bm25 or dense)");
        return new RecallQuery(tenant, text, vector, mode, k, defaultDepth(mode, k));
    }

    /** A BM25-only query. */
    public static RecallQuery bm25(String tenant, String text, int k) {
        return of(RecallMode.BM25, tenant, text, null, k);
    }

    /** BM25 and the vector search, both to the default depth. */
    public static RecallQuery hybrid(String tenant, String text, float[] vector, int k) {
        return of(RecallMode.HYBRID, tenant, text, vector, k);
    }

    /** The vector search alone; the text is carried for rankers but not searched. */
    public static RecallQuery dense(String tenant, String text, float[] vector, int k) {
        return of(RecallMode.DENSE, tenant, text, vector, k);
    }

    /** This query with another candidate depth, in [k, {@link #MAX_DEPTH}]. */
    public RecallQuery withDepth(int depth) {
        return new RecallQuery(tenant, text, vector, mode, k, depth);
    }

    /** The query vector (a copy), or {@code null} in {@link RecallMode#BM25}. */
    @Override
    public float[] vector() {
        return vector == null ? null : vector.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecallQuery q
                && k == q.k
                && depth == q.depth
                && mode == q.mode
                && tenant.equals(q.tenant)
                && text.equals(q.text)
                && Arrays.equals(vector, q.vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenant, text, mode, k, depth, Arrays.hashCode(vector));
    }

    @Override
    public String toString() {
        return "RecallQuery[tenant=" + tenant + ", text=" + text + ", mode=" + mode.wireName() + ", vector="
                + (vector == null ? "none" : vector.length + " dims") + ", k=" + k + ", depth=" + depth + "]";
    }
}
