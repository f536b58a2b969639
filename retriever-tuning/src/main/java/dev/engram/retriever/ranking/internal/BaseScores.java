package dev.engram.retriever.ranking.internal;

import dev.engram.memory.RankedCandidate;
import dev.engram.memory.RecallQuery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a re-ranking stage starts from: its base ranker's order with the scores min-max scaled onto
 * [0, 1], so that an adjustment added on top means the same on every query whatever the base's
 * score range (RRF's ~0.03 or fusion's [0, 1]).
 */
public final class BaseScores {

    private BaseScores() {}

    /** The base's scores, scaled, in the base's order. */
    public static double[] scaled(List<RankedCandidate> base) {
        double[] raw = new double[base.size()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = base.get(i).score();
        }
        return MinMaxScaling.scale(raw);
    }

    /**
     * Sorts re-scored candidates (indexed like the base's list), best first; ties keep the base's
     * order, so that an adjustment of 0 everywhere gives back exactly the base's order.
     */
    public static List<RankedCandidate> sortKeepingBaseOrderOnTies(List<RankedCandidate> rescored) {
        List<Integer> order = new ArrayList<>(rescored.size());
        for (int i = 0; i < rescored.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -rescored.get(i).score())
                .thenComparingInt(i -> i));
        List<RankedCandidate> out = new ArrayList<>(rescored.size());
        for (int i : order) {
            out.add(rescored.get(i));
        }
        return List.copyOf(out);
    }

    /** Refuses a query from another tenant than the one whose judgements a stage holds. */
    public static void requireTenant(RecallQuery query, String tenant, String stage) {
        if (!query.tenant().equals(tenant)) {
            throw new IllegalArgumentException(
                    stage + " holds tenant " + tenant + "'s judgements and cannot rank a query of tenant "
                            + query.tenant() + "; build the ranker from that tenant's policy");
        }
    }
}
