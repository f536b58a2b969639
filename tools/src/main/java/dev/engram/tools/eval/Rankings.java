package dev.engram.tools.eval;

import dev.engram.memory.Candidate;
import dev.engram.memory.CandidateLists;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.retriever.eval.Qrels;
import dev.engram.retriever.eval.Query;
import dev.engram.retriever.eval.QueryEvaluation;
import java.util.List;

/**
 * A system's ranking of one query's candidate lists. The ranked systems call {@link Ranker#rank}
 * on the lists that {@code CaseStore.candidates} returned, which is what {@code CaseStore.recall}
 * does before it cuts the top k and splits positives from negatives; BM25 and dense are the two
 * lists themselves.
 */
final class Rankings {

    private Rankings() {}

    /** The case ids, best first, at most {@link EvalCorpus#DEPTH}. */
    static List<String> of(EvalSystem system, Ranker ranker, CandidateLists lists) {
        List<String> ids = switch (system) {
            case BM25 -> lists.bm25().stream().map(Candidate::caseId).toList();
            case DENSE -> lists.vector().stream().map(Candidate::caseId).toList();
            default ->
                ranker.rank(lists.query(), lists).stream()
                        .map(RankedCandidate::candidate)
                        .map(Candidate::caseId)
                        .toList();
        };
        return ids.subList(0, Math.min(EvalCorpus.DEPTH, ids.size()));
    }

    /** nDCG@10, recall@10, recall@100 and MRR@10 of a ranking. */
    static QueryEvaluation score(Query query, List<String> ranking, Qrels qrels) {
        return QueryEvaluation.of(query.id(), ranking, qrels.judged(query.id()));
    }
}
