package dev.engram.node.recall;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a recall ranks a tenant's cases: BM25 over the case text, dense (the tenant's query tower,
 * with its serving adapter, against the stored case vectors), or both fused by reciprocal rank. A
 * node with an embedder recalls {@link #HYBRID} unless asked otherwise; without one, only
 * {@link #BM25} is possible.
 */
public enum RecallMode {
    HYBRID,
    BM25,
    DENSE;

    /** The name on the wire: {@code hybrid}, {@code bm25}, {@code dense}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this mode embeds the query. */
    public boolean usesVector() {
        return this != BM25;
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
        throw new IllegalArgumentException("mode must be one of " + Arrays.stream(values()).map(RecallMode::wireName)
                .collect(Collectors.joining(", ")) + ", was '" + name + "'");
    }
}
