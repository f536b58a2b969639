package dev.engram.memory;

import java.util.Arrays;
import java.util.Objects;

/**
 * What to recall: the tenant whose cases are searched, the task text for BM25, an optional query
 * vector for the vector search, and how many cases to return.
 *
 * <pre>{@code
 * new RecallQuery("acme", "flutter of a heated wing", null, 10);          // BM25 only
 * new RecallQuery("acme", "flutter of a heated wing", embedder.embedQuery(text), 10); // hybrid
 * }</pre>
 *
 * @param tenant the only tenant whose cases can be returned; required
 * @param text the task text; required, may be blank only when a vector is given
 * @param vector the query vector (length = the store's vector dimension, finite, non-zero), or
 *     {@code null} for BM25 only; copied on construction
 * @param k how many cases to return, in [1, {@link #MAX_K}]
 */
public record RecallQuery(String tenant, String text, float[] vector, int k) {

    /** The largest {@code k} a query may ask for. */
    public static final int MAX_K = 1000;

    public RecallQuery {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("recallQuery.tenant is required and must not be blank");
        }
        Objects.requireNonNull(text, "recallQuery.text is required (use \"\" with a vector-only query)");
        if (text.isBlank() && vector == null) {
            throw new IllegalArgumentException("recallQuery.text must not be blank when no vector is given");
        }
        if (vector != null) {
            if (vector.length == 0) {
                throw new IllegalArgumentException("recallQuery.vector must not be empty (pass null for BM25 only)");
            }
            for (float f : vector) {
                if (!Float.isFinite(f)) {
                    throw new IllegalArgumentException("recallQuery.vector must be finite, found " + f);
                }
            }
            vector = vector.clone();
        }
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("recallQuery.k must be in [1, " + MAX_K + "], was " + k);
        }
    }

    /** A BM25-only query. */
    public static RecallQuery bm25(String tenant, String text, int k) {
        return new RecallQuery(tenant, text, null, k);
    }

    /** The query vector (a copy), or {@code null}. */
    @Override
    public float[] vector() {
        return vector == null ? null : vector.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecallQuery q && k == q.k && tenant.equals(q.tenant) && text.equals(q.text)
                && Arrays.equals(vector, q.vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenant, text, k, Arrays.hashCode(vector));
    }

    @Override
    public String toString() {
        return "RecallQuery[tenant=" + tenant + ", text=" + text + ", vector="
                + (vector == null ? "none" : vector.length + " dims") + ", k=" + k + "]";
    }
}
