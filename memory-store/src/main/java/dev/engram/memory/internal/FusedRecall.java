package dev.engram.memory.internal;

import dev.engram.memory.Case;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.RecallResult;
import dev.engram.memory.ScoredCase;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
            sb.append(String.format(Locale.ROOT, "bm25 #%d (%.2f)", f.bm25Rank(), f.bm25Score()));
        } else {
            sb.append("bm25 not in top ").append(depth);
        }
        if (vectorAsked) {
            if (f.vectorRank() > 0) {
                sb.append(String.format(Locale.ROOT, " + vector #%d (cos %.2f)", f.vectorRank(),
                        UnitVectors.cosineFromScore(f.vectorScore())));
            } else {
                sb.append(" + vector not in top ").append(depth);
            }
        }
        sb.append(String.format(Locale.ROOT, " → rrf %.4f; reward %.2f", f.score(), c.reward()));
        if (c.timesRecalled() > 0) {
            sb.append(", useful ").append(c.timesUseful()).append('/').append(c.timesRecalled());
        } else {
            sb.append(", not judged yet");
        }
        sb.append(" → ");
        if (positive) {
            sb.append("positive");
        } else if (c.reward() < config.positiveRewardThreshold()) {
            sb.append(String.format(Locale.ROOT, "negative (reward below %.2f)", config.positiveRewardThreshold()));
        } else {
            sb.append("negative (mostly judged useless)");
        }
        return sb.toString();
    }
}
