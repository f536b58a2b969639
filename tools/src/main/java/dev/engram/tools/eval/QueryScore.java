package dev.engram.tools.eval;

import dev.engram.retriever.eval.QueryEvaluation;
import java.util.Objects;

/**
 * One system's figures on one query of one seed: a row of {@code per-query.tsv}.
 *
 * @param seed the seed of the split
 * @param regime new or recurring
 * @param system the system
 * @param evaluation the query id and its metrics
 */
record QueryScore(long seed, Regime regime, EvalSystem system, QueryEvaluation evaluation) {

    QueryScore {
        Objects.requireNonNull(regime, "queryScore.regime");
        Objects.requireNonNull(system, "queryScore.system");
        Objects.requireNonNull(evaluation, "queryScore.evaluation");
    }

    String queryId() {
        return evaluation.queryId();
    }

    double ndcgAt10() {
        return evaluation.ndcgAt10();
    }
}
