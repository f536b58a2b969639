package dev.engram.runtime;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the node searches for a recall: {@link #HYBRID} (BM25 and the query's vector, fused by the
 * tenant's ranker), {@link #BM25} (the case text only) or {@link #DENSE} (the vector only). A node
 * with an embedder recalls hybrid unless asked otherwise; one without answers a vector mode with 400.
 *
 * <pre>{@code
 * RecallResponse lexical = engram.recall("acme", "charged twice for one order", 10, RecallMode.BM25);
 * assert lexical.mode().equals(RecallMode.BM25.wireName());
 * }</pre>
 */
public enum RecallMode {
    HYBRID,
    BM25,
    DENSE;

    /**
     * The name on the wire, as {@link dev.engram.streams.RecallResponse#mode()} reports it:
     * {@code hybrid}, {@code bm25}, {@code dense}.
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The mode named {@code name} (case-insensitive).
     *
     * @throws InvalidRequestException for field {@code mode}, naming the accepted values
     */
    public static RecallMode parse(String name) {
        for (RecallMode m : values()) {
            if (m.wireName().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new InvalidRequestException(
                "mode",
                "must be one of "
                        + Arrays.stream(values()).map(RecallMode::wireName).collect(Collectors.joining(", "))
                        + ", was '" + name + "'");
    }

    @Override
    public String toString() {
        return wireName();
    }
}
