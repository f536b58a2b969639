package dev.engram.retriever.ranking.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The words of a tenant's past tasks as idf-weighted unit vectors, for the word half of a hybrid
 * task similarity: the cosine of two tasks' sets of analysed words (the case store's analysis:
 * stopwords out, Porter stemming), each word weighted by its idf over the past tasks. Two tasks
 * that share their rare words are similar here even where the encoder places them apart. Immutable.
 */
public final class TaskWords {

    private final Map<String, Integer> df;
    private final int tasks;
    /** Per past task, its words' idf weights scaled to unit length. */
    private final List<Map<String, Double>> vectors;

    private TaskWords(List<List<String>> terms) {
        this.df = new HashMap<>();
        terms.forEach(t -> t.forEach(w -> df.merge(w, 1, Integer::sum)));
        this.tasks = terms.size();
        this.vectors = terms.stream().map(this::unit).toList();
    }

    /** The index of the past tasks' texts, in the memory's order ({@code ""} for a task without text). */
    public static TaskWords of(List<String> texts) {
        return new TaskWords(texts.stream().map(ExpansionIndex::terms).toList());
    }

    /** The word cosine of {@code text} to every past task, in the memory's order (0 where no word is shared). */
    public double[] similarities(String text) {
        Map<String, Double> query = unit(ExpansionIndex.terms(text));
        double[] out = new double[vectors.size()];
        if (query.isEmpty()) {
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            Map<String, Double> task = vectors.get(i);
            double dot = 0;
            for (Map.Entry<String, Double> e : query.entrySet()) {
                Double w = task.get(e.getKey());
                dot += w == null ? 0 : w * e.getValue();
            }
            out[i] = dot;
        }
        return out;
    }

    private Map<String, Double> unit(List<String> terms) {
        Map<String, Double> v = new HashMap<>();
        double sq = 0;
        for (String t : terms) {
            double idf = idf(t);
            v.put(t, idf);
            sq += idf * idf;
        }
        double norm = Math.sqrt(sq);
        if (norm > 0) {
            v.replaceAll((t, w) -> w / norm);
        }
        return v;
    }

    /** Smoothed idf, always > 0, so that a word no past task has still counts in the query's length. */
    private double idf(String term) {
        return Math.log(1 + (tasks + 1.0) / (df.getOrDefault(term, 0) + 0.5));
    }
}
