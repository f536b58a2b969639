package dev.engram.memory.internal;

import dev.engram.memory.Candidate;
import dev.engram.memory.CandidateLists;
import dev.engram.memory.Case;
import dev.engram.memory.CaseStoreConfig;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import dev.engram.memory.RecallResult;
import dev.engram.memory.ScoredCase;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The last two stages of a recall: a {@link Ranker} orders the candidates, the top k are split into
 * positives and negatives, and each gets its reason, e.g.
 * {@code bm25 #3 (4.21) + vector #1 (cos 1.00) → rrf 0.0323; reward 0.90, useful 3/4 → positive}:
 * what the searches said, what the ranker made of it, and why the case is positive or negative.
 */
public final class RankedRecall {
    private RankedRecall() {}

    /**
     * Assembles a recall; {@code readReturned} is given the ids of the cases the recall returns, in
     * ranked order, before any of their cases is asked for, so that a store whose candidates read
     * their cases on demand can read just these, together.
     */
    public static RecallResult assemble(
            RecallQuery query,
            CandidateLists candidates,
            Ranker ranker,
            CaseStoreConfig config,
            Consumer<List<String>> readReturned) {
        List<RankedCandidate> order = Objects.requireNonNull(
                ranker.rank(query, candidates), () -> "ranker " + ranker.name() + " returned null");
        int n = Math.min(query.k(), order.size());
        Set<String> offered = new HashSet<>();
        candidates.candidates().forEach(c -> offered.add(c.caseId()));
        Set<String> taken = new HashSet<>();
        List<String> returned = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = order.get(i).candidate().caseId();
            // a ranker's bug must not show a case twice or one the first stage never found
            if (!offered.contains(id) || !taken.add(id)) {
                throw new IllegalStateException("ranker " + ranker.name() + " returned case " + id
                        + (offered.contains(id) ? " twice" : ", which is not one of the query's candidates") + " (rank "
                        + (i + 1) + ")");
            }
            returned.add(id);
        }
        readReturned.accept(returned);
        List<ScoredCase> ranked = new ArrayList<>(n);
        List<ScoredCase> positives = new ArrayList<>();
        List<ScoredCase> negatives = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RankedCandidate rc = order.get(i);
            Case c = rc.candidate().match();
            boolean positive = config.isPositive(c);
            ScoredCase sc = new ScoredCase(c, rc.score(), reason(rc, query, positive, config));
            ranked.add(sc);
            (positive ? positives : negatives).add(sc);
        }
        return new RecallResult(ranked, positives, negatives);
    }

    static String reason(RankedCandidate rc, RecallQuery q, boolean positive, CaseStoreConfig config) {
        Candidate f = rc.candidate();
        Case c = f.match();
        StringBuilder sb = new StringBuilder();
        if (f.bm25Rank() > 0) {
            sb.append("bm25 #").append(f.bm25Rank()).append(" (");
            FixedPoint.append(sb, f.bm25Score(), 2).append(')');
        } else {
            sb.append("bm25 not in top ").append(q.depth());
        }
        if (q.mode().usesVector()) {
            if (f.vectorRank() > 0) {
                sb.append(" + vector #").append(f.vectorRank()).append(" (cos ");
                FixedPoint.append(sb, f.cosine(), 2).append(')');
            } else {
                sb.append(" + vector not in top ").append(q.depth());
            }
        }
        if (!rc.contribution().isBlank()) {
            sb.append(" → ").append(rc.contribution());
        }
        FixedPoint.append(sb.append("; reward "), c.reward(), 2);
        if (c.timesRecalled() > 0) {
            sb.append(", useful ").append(c.timesUseful()).append('/').append(c.timesRecalled());
        } else {
            sb.append(", not judged yet");
        }
        sb.append(" → ");
        if (positive) {
            sb.append("positive");
        } else if (c.reward() < config.positiveRewardThreshold()) {
            FixedPoint.append(sb.append("negative (reward below "), config.positiveRewardThreshold(), 2)
                    .append(')');
        } else {
            sb.append("negative (mostly judged useless)");
        }
        return sb.toString();
    }
}
