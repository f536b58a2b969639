package dev.engram.memory;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns text into unit-length vectors for the case store's vector search.
 *
 * <p>Queries and documents are separate calls because a query-side adapter changes only the
 * query tower: case vectors already in the index stay valid when the adapter changes.
 *
 * <pre>{@code
 * float[] q = embedder.embedQuery("flutter of a heated wing");
 * RecallResult r = store.recall(RecallQuery.hybrid("acme", "flutter of a heated wing", q, 10));
 * }</pre>
 */
public interface Embedder {

    /** A stable identifier of the model (and adapter, if any) that produced the vectors. */
    String modelId();

    /**
     * What this embedder's document vectors are: two embedders with the same id give the same
     * vector for the same case text, so one may use a vector the other recorded (a node taking over
     * a partition does). Name everything that changes a document vector: the model, an adapter on
     * the document side, the maximum length, a document prefix. By default {@link #modelId()}.
     */
    default String documentVectorId() {
        return modelId();
    }

    /** Length of every vector this embedder returns. */
    int dimension();

    /** Embeds one query text; the vector has length {@link #dimension()} and unit norm. */
    float[] embedQuery(String text);

    /**
     * Embeds several query texts, in order: each vector is what {@link #embedQuery} gives for its
     * text (within float rounding). By default one {@code embedQuery} per text; an embedder that can
     * run a batch through its model at once should, since many small passes cost far more.
     *
     * <pre>{@code
     * List<float[]> vectors = embedder.embedQueries(List.of("flutter of a heated wing", "stall at low speed"));
     * }</pre>
     */
    default List<float[]> embedQueries(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (String text : texts) {
            out.add(embedQuery(text));
        }
        return out;
    }

    /** Embeds case texts in order; each vector has length {@link #dimension()} and unit norm. */
    List<float[]> embedDocuments(List<String> texts);
}
