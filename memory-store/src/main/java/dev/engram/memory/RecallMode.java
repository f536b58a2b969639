package dev.engram.memory;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which first-stage searches a recall runs: BM25 over the case text, dense (the query vector against
 * the stored case vectors), or both, fused by the recall's {@link Ranker}. A node with an embedder
 * recalls {@link #HYBRID} unless asked otherwise; without one, only {@link #BM25} is possible.
 *
 * <pre>{@code
 * RecallMode mode = RecallMode.parse("dense");
 * float[] vector = mode.usesVector() ? embedder.embedQuery(task) : null;
 * }</pre>
 */
public enum RecallMode {
    HYBRID,
    BM25,
    DENSE;

    /** The name on the wire: {@code hybrid}, {@code bm25}, {@code dense}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this mode searches vectors, so that its query needs a vector. */
    public boolean usesVector() {
        return this != BM25;
    }

    /** Whether this mode searches the case text with BM25. */
    public boolean usesBm25() {
        return this != DENSE;
    }

    /**
     * The mode named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static RecallMode parse(String name) {
        for (RecallMode m : values()) {
            if (m.wireName().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("mode must be one of "
                + Arrays.stream(values()).map(RecallMode::wireName).collect(Collectors.joining(", ")) + ", was '" + name
                + "'");
    }
}
