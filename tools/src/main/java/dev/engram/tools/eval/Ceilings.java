package dev.engram.tools.eval;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.retriever.eval.Qrels;
import dev.engram.retriever.eval.Query;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a ranker of the candidate lists could reach at best, so that the learned rows can be read:
 * an oracle that knows the graded qrels reorders the untuned hybrid's candidates.
 *
 * <ul>
 *   <li>{@link EvalSystem#CEILING_JUDGED}: only cases the agents judged useful may move, to the top,
 *       best gain first. On a recurring task those are its own useful cases; on a new task, the
 *       cases judged useful for any feedback task that are relevant to it. No ranker that learns
 *       from the verdicts alone, without pulling other cases up, does better.
 *   <li>{@link EvalSystem#CEILING_CANDIDATES}: every relevant candidate, best gain first: what any
 *       reordering of the lists could reach.
 * </ul>
 */
final class Ceilings {

    private final Map<String, Set<String>> usefulByTask = new HashMap<>();
    private final Set<String> usefulAny = new HashSet<>();
    private final Qrels qrels;
    private final Ranker untuned;

    Ceilings(List<FeedbackTask> feedback, Qrels qrels, Ranker untuned) {
        for (FeedbackTask f : feedback) {
            usefulByTask.put(f.query().id(), f.useful());
            usefulAny.addAll(f.useful());
        }
        this.qrels = qrels;
        this.untuned = untuned;
    }

    /** The oracle's order of the candidates, at most {@link EvalCorpus#DEPTH}. */
    List<String> ranking(EvalSystem ceiling, Regime regime, Query query, CandidateLists lists) {
        Map<String, Integer> gains = qrels.judged(query.id());
        Set<String> movable = switch (ceiling) {
            case CEILING_JUDGED ->
                regime == Regime.RECURRING ? usefulByTask.getOrDefault(query.id(), Set.of()) : usefulAny;
            case CEILING_CANDIDATES -> gains.keySet();
            default -> throw new IllegalArgumentException(ceiling.label() + " is not a ceiling");
        };
        List<String> base = untuned.rank(lists.query(), lists).stream()
                .map(RankedCandidate::candidate)
                .map(c -> c.caseId())
                .toList();
        List<String> top = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (String id : base) {
            (movable.contains(id) && gains.getOrDefault(id, 0) > 0 ? top : rest).add(id);
        }
        top.sort(Comparator.comparingInt((String id) -> -gains.get(id)));
        top.addAll(rest);
        return top.subList(0, Math.min(EvalCorpus.DEPTH, top.size()));
    }
}
