package dev.engram.retriever.eval;

/**
 * One query of a test collection.
 *
 * <pre>{@code
 * Query q = new Query("1", "what similarity laws must be obeyed when constructing aeroelastic models");
 * Map<String, Integer> gains = dataset.qrels().judged(q.id());
 * }</pre>
 *
 * @param id the id under which the judgements ({@link Qrels}) list this query; required, not blank
 * @param text the query text; required, not blank
 */
public record Query(String id, String text) {

    public Query {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("query.id is required and must not be blank");
        }
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("query.text is required and must not be blank (query " + id + ")");
        }
    }
}
