package dev.engram.memory.internal;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.RecallResult;
import dev.engram.memory.ScoredCase;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Turns fused candidates into a {@link RecallResult}: top k, each with its reason, split positive/negative. */
public final class FusedRecall {
    private FusedRecall() {}

    public static RecallResult assemble(List<ReciprocalRankFusion.Fused> fused, int k, boolean vectorAsked,
            int depth, TenantScopedSearcher searcher, CaseStoreConfig config) throws IOException {
        int n = Math.min(k, fused.size());
        List<ScoredCase> ranked = new ArrayList<>(n);
        List<ScoredCase> positives = new ArrayList<>();
        List<ScoredCase> negatives = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ReciprocalRankFusion.Fused f = fused.get(i);
            Case c = searcher.read(f.doc());
            boolean positive = config.isPositive(c);
            ScoredCase sc = new ScoredCase(c, f.score(), reason(f, c, positive, vectorAsked, depth, config));
            ranked.add(sc);
            (positive ? positives : negatives).add(sc);
        }
        return new RecallResult(ranked, positives, negatives);
    }

    static String reason(ReciprocalRankFusion.Fused f, Case c, boolean positive, boolean vectorAsked, int depth,
            CaseStoreConfig config) {
        StringBuilder sb = new StringBuilder();
        if (f.bm25Rank() > 0) {
            sb.append("bm25 #").append(f.bm25Rank()).append(" (");
            fixed(sb, f.bm25Score(), 2).append(')');
        } else {
            sb.append("bm25 not in top ").append(depth);
        }
        if (vectorAsked) {
            if (f.vectorRank() > 0) {
                sb.append(" + vector #").append(f.vectorRank()).append(" (cos ");
                fixed(sb, UnitVectors.cosineFromScore(f.vectorScore()), 2).append(')');
            } else {
                sb.append(" + vector not in top ").append(depth);
            }
        }
        fixed(sb.append(" → rrf "), f.score(), 4);
        fixed(sb.append("; reward "), c.reward(), 2);
        if (c.timesRecalled() > 0) {
            sb.append(", useful ").append(c.timesUseful()).append('/').append(c.timesRecalled());
        } else {
            sb.append(", not judged yet");
        }
        sb.append(" → ");
        if (positive) {
            sb.append("positive");
        } else if (c.reward() < config.positiveRewardThreshold()) {
            fixed(sb.append("negative (reward below "), config.positiveRewardThreshold(), 2).append(')');
        } else {
            sb.append("negative (mostly judged useless)");
        }
        return sb.toString();
    }

    /** Appends {@code value} rounded half-up to {@code decimals} places (String.format is ~10% of a recall). */
    static StringBuilder fixed(StringBuilder sb, double value, int decimals) {
        long scale = decimals == 4 ? 10_000 : decimals == 2 ? 100 : (long) Math.pow(10, decimals);
        long scaled = Math.round(Math.abs(value) * scale);
        if (value < 0 && scaled != 0) {
            sb.append('-');
        }
        sb.append(scaled / scale).append('.');
        String frac = Long.toString(scaled % scale);
        for (int i = frac.length(); i < decimals; i++) {
            sb.append('0');
        }
        return sb.append(frac);
    }
}
