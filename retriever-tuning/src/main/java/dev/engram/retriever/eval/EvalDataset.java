package dev.engram.retriever.eval;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A test collection: documents, queries, and the judgements that say which documents answer which
 * query.
 *
 * <pre>{@code
 * EvalDataset cranfield = CranfieldLoader.load();
 * cranfield.docs().size();            // 1400
 * cranfield.judgedQueries().size();   // 225
 * }</pre>
 *
 * @param name a short name for reports, e.g. {@code "cranfield"}; required
 * @param docs the documents, with distinct ids; copied
 * @param queries the queries, with distinct ids; copied
 * @param qrels the judgements, keyed by the ids of {@code queries} and {@code docs}
 */
public record EvalDataset(String name, List<Document> docs, List<Query> queries, Qrels qrels) {

    public EvalDataset {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("evalDataset.name is required and must not be blank");
        }
        if (docs == null || docs.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("evalDataset.docs is required and must not contain null");
        }
        if (queries == null || queries.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("evalDataset.queries is required and must not contain null");
        }
        if (qrels == null) {
            throw new IllegalArgumentException("evalDataset.qrels is required");
        }
        docs = List.copyOf(docs);
        queries = List.copyOf(queries);
        Set<String> seen = new HashSet<>();
        for (Document d : docs) {
            if (!seen.add(d.id())) {
                throw new IllegalArgumentException("evalDataset.docs has the id " + d.id() + " twice (" + name + ")");
            }
        }
        seen.clear();
        for (Query q : queries) {
            if (!seen.add(q.id())) {
                throw new IllegalArgumentException(
                        "evalDataset.queries has the id " + q.id() + " twice (" + name + ")");
            }
        }
    }

    /** The queries that have at least one relevant document, in their original order: the ones a metric can score. */
    public List<Query> judgedQueries() {
        return queries.stream().filter(q -> qrels.hasRelevant(q.id())).toList();
    }
}
