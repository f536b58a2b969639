package dev.engram.streams;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.engram.streams.internal.ChunkChecks;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a candidate adapter scored against its parent (the adapter it started from, or the base
 * model) on the job's evaluation data: nDCG@10 on the held-out queries and on the retention sample.
 * The gate promotes a candidate when {@link #heldOutGain()} clears its margin and
 * {@link #retentionLoss()} stays within its margin.
 *
 * <pre>{@code
 * new AdapterMetrics(0.412, 0.405, 40, 0.388, 0.390, 25, Map.of("recallAt100", 0.84))
 * }</pre>
 *
 * @param heldOutNdcg10 the candidate's mean nDCG@10 on the held-out queries, in [0, 1]
 * @param parentHeldOutNdcg10 the parent's, same queries, in [0, 1]
 * @param heldOutQueries how many held-out queries, >= 1
 * @param retentionNdcg10 the candidate's mean nDCG@10 on the retention sample, in [0, 1]; null
 *     exactly when {@code retentionQueries} is 0
 * @param parentRetentionNdcg10 the parent's, same queries; null exactly when {@code retentionQueries} is 0
 * @param retentionQueries how many retention queries, >= 0
 * @param extra further finite figures by name (e.g. {@code "heldOutMrr"}, {@code "trainLoss"});
 *     sorted by name, never null, at most 64
 */
public record AdapterMetrics(
        double heldOutNdcg10,
        double parentHeldOutNdcg10,
        int heldOutQueries,
        Double retentionNdcg10,
        Double parentRetentionNdcg10,
        int retentionQueries,
        Map<String, Double> extra) {

    public AdapterMetrics {
        ChunkChecks.finiteIn("heldOutNdcg10", heldOutNdcg10, 0, 1);
        ChunkChecks.finiteIn("parentHeldOutNdcg10", parentHeldOutNdcg10, 0, 1);
        ChunkChecks.atLeast("heldOutQueries", heldOutQueries, 1);
        ChunkChecks.atLeast("retentionQueries", retentionQueries, 0);
        boolean hasRetention = retentionQueries > 0;
        checkRetention("retentionNdcg10", retentionNdcg10, hasRetention);
        checkRetention("parentRetentionNdcg10", parentRetentionNdcg10, hasRetention);
        if (extra == null) {
            extra = Map.of();
        } else {
            if (extra.size() > 64) {
                throw new InvalidEventException("extra", "at most 64 entries allowed, had " + extra.size());
            }
            TreeMap<String, Double> sorted = new TreeMap<>();
            for (Map.Entry<String, Double> e : extra.entrySet()) {
                if (e.getKey() == null || e.getKey().isBlank() || e.getKey().length() > 64) {
                    throw new InvalidEventException(
                            "extra", "names must be 1-64 non-blank characters, was '" + e.getKey() + "'");
                }
                if (e.getValue() == null || !Double.isFinite(e.getValue())) {
                    throw new InvalidEventException(
                            "extra." + e.getKey(), "must be a finite number, was " + e.getValue());
                }
                sorted.put(e.getKey(), e.getValue());
            }
            extra = java.util.Collections.unmodifiableMap(sorted);
        }
    }

    /** Candidate minus parent nDCG@10 on the held-out queries: above 0 is better. */
    @JsonIgnore
    public double heldOutGain() {
        return heldOutNdcg10 - parentHeldOutNdcg10;
    }

    /** Parent minus candidate nDCG@10 on the retention sample (above 0 is forgetting); 0 without one. */
    @JsonIgnore
    public double retentionLoss() {
        return retentionQueries == 0 ? 0 : parentRetentionNdcg10 - retentionNdcg10;
    }

    private static void checkRetention(String field, Double value, boolean hasRetention) {
        if (!hasRetention) {
            if (value != null) {
                throw new InvalidEventException(field, "must be null when retentionQueries is 0, was " + value);
            }
            return;
        }
        if (value == null) {
            throw new InvalidEventException(field, "is required when retentionQueries > 0");
        }
        ChunkChecks.finiteIn(field, value, 0, 1);
    }
}
