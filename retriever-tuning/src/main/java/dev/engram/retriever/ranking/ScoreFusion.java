package dev.engram.retriever.ranking;

import dev.engram.memory.Candidate;
import dev.engram.memory.CandidateLists;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import dev.engram.retriever.ranking.internal.MinMaxScaling;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Convex score fusion of the two first-stage lists: {@code w · bm25 + (1 − w) · cos}, where each
 * part is min-max scaled onto [0, 1] over the candidates that its list returned (the best BM25
 * candidate gets 1, the worst 0; the same for cosine), and a candidate that a list did not return
 * gets 0 for that part. Scaling both parts makes {@code w} mean the same on every query, whatever
 * the BM25 scores' range or the encoder's typical cosine; {@link ScoreFusionFit} learns {@code w}
 * per tenant from judged feedback.
 *
 * <pre>{@code
 * Ranker fusion = new ScoreFusion(0.35);
 * List<RankedCandidate> ranked = fusion.rank(query, store.candidates(query));
 * ranked.get(0).contribution();   // "fusion 0.83 (bm25 0.35×0.52 + cos 0.65×1.00)"
 * }</pre>
 *
 * <p>Ties are broken by the better single rank, then by case id. Immutable and thread-safe.
 */
public final class ScoreFusion implements Ranker {

    private final double weight;

    /**
     * @param weight the BM25 weight {@code w} in [0, 1]; 1 is BM25 alone, 0 cosine alone
     */
    public ScoreFusion(double weight) {
        if (!(weight >= 0 && weight <= 1)) {
            throw new IllegalArgumentException("scoreFusion.weight must be in [0, 1], was " + weight);
        }
        this.weight = weight;
    }

    /** The BM25 weight {@code w}. */
    public double weight() {
        return weight;
    }

    @Override
    public String name() {
        return "fusion";
    }

    @Override
    public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
        List<Candidate> all = candidates.candidates();
        double[] bm25 = scaled(all, true);
        double[] cos = scaled(all, false);
        double[] score = scores(bm25, cos);
        List<RankedCandidate> out = new ArrayList<>(all.size());
        for (int i : order(all, score)) {
            out.add(new RankedCandidate(
                    all.get(i),
                    score[i],
                    String.format(
                            Locale.ROOT,
                            "fusion %.2f (bm25 %.2f×%.2f + cos %.2f×%.2f)",
                            score[i],
                            weight,
                            bm25[i],
                            1 - weight,
                            cos[i])));
        }
        return out;
    }

    /** The fused score of each candidate from its scaled parts. */
    double[] scores(double[] bm25, double[] cos) {
        double[] score = new double[bm25.length];
        for (int i = 0; i < score.length; i++) {
            score[i] = weight * bm25[i] + (1 - weight) * cos[i];
        }
        return score;
    }

    /** Candidate indices best first: score, then the better single rank, then case id. */
    static List<Integer> order(List<Candidate> all, double[] score) {
        List<Integer> order = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -score[i])
                .thenComparingInt(i -> all.get(i).bestRank())
                .thenComparing(i -> all.get(i).caseId()));
        return order;
    }

    /** One part, scaled over the candidates its list returned, indexed like {@code all}; 0 for the rest. */
    static double[] scaled(List<Candidate> all, boolean bm25) {
        int[] returned = new int[all.size()];
        int n = 0;
        for (int i = 0; i < all.size(); i++) {
            Candidate c = all.get(i);
            if ((bm25 ? c.bm25Rank() : c.vectorRank()) > 0) {
                returned[n++] = i;
            }
        }
        double[] raw = new double[n];
        for (int j = 0; j < n; j++) {
            Candidate c = all.get(returned[j]);
            raw[j] = bm25 ? c.bm25Score() : c.cosine();
        }
        double[] scaled = MinMaxScaling.scale(raw);
        double[] out = new double[all.size()];
        for (int j = 0; j < n; j++) {
            out[returned[j]] = scaled[j];
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ScoreFusion[w=%.2f]", weight);
    }
}
