package dev.engram.retriever.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Relevance judgements: for each query id, the judged document ids and their gains. A gain above
 * zero means relevant (it counts for recall and MRR, and weighs into nDCG); a gain of zero means
 * judged not relevant (BEIR files carry such rows); an unjudged document has no entry and counts as
 * not relevant.
 *
 * <pre>{@code
 * Qrels qrels = new Qrels(Map.of("1", Map.of("184", 3, "29", 3, "13", 1)));
 * qrels.judged("1").get("184");   // 3
 * qrels.relevantCount("1");        // 3
 * }</pre>
 *
 * @param gains query id → document id → gain (>= 0); copied into an unmodifiable map that keeps the
 *     given iteration order
 */
public record Qrels(Map<String, Map<String, Integer>> gains) {

    public Qrels {
        if (gains == null) {
            throw new IllegalArgumentException("qrels.gains is required");
        }
        Map<String, Map<String, Integer>> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Integer>> query : gains.entrySet()) {
            String queryId = query.getKey();
            if (queryId == null || queryId.isBlank()) {
                throw new IllegalArgumentException("qrels.gains has a blank query id");
            }
            if (query.getValue() == null) {
                throw new IllegalArgumentException("qrels.gains[" + queryId + "] is null");
            }
            Map<String, Integer> docs = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> doc : query.getValue().entrySet()) {
                if (doc.getKey() == null || doc.getKey().isBlank()) {
                    throw new IllegalArgumentException("qrels.gains[" + queryId + "] has a blank document id");
                }
                if (doc.getValue() == null || doc.getValue() < 0) {
                    throw new IllegalArgumentException("qrels.gains[" + queryId + "][" + doc.getKey()
                            + "] must be a gain >= 0, was " + doc.getValue());
                }
                docs.put(doc.getKey(), doc.getValue());
            }
            copy.put(queryId, Collections.unmodifiableMap(docs));
        }
        gains = Collections.unmodifiableMap(copy);
    }

    /** The judged documents of a query with their gains; empty when the query has no judgements. */
    public Map<String, Integer> judged(String queryId) {
        return gains.getOrDefault(queryId, Map.of());
    }

    /** How many documents the query has with a gain above zero. */
    public int relevantCount(String queryId) {
        int n = 0;
        for (int gain : judged(queryId).values()) {
            if (gain > 0) {
                n++;
            }
        }
        return n;
    }

    /** Whether the query has at least one relevant (gain > 0) document, i.e. whether it can be scored. */
    public boolean hasRelevant(String queryId) {
        return relevantCount(queryId) > 0;
    }

    /** The ids of the queries that have judgements. */
    public Set<String> queryIds() {
        return gains.keySet();
    }

    /** The number of (query, document) judgements, all gains included. */
    public int judgementCount() {
        int n = 0;
        for (Map<String, Integer> docs : gains.values()) {
            n += docs.size();
        }
        return n;
    }
}
