package dev.engram.tools.eval;

import dev.engram.memory.Episode;
import dev.engram.memory.Judgement;
import dev.engram.retriever.eval.Query;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A feedback task: the query, and the episode a simulated agent sent after recalling cases for it
 * with the untuned hybrid and judging each one (useful iff the qrels call it relevant).
 *
 * @param query the task
 * @param episode its feedback: one judgement per recalled case, with {@code useful} set
 */
record FeedbackTask(Query query, Episode episode) {

    FeedbackTask {
        Objects.requireNonNull(query, "feedbackTask.query");
        Objects.requireNonNull(episode, "feedbackTask.episode");
    }

    /** The cases judged useful. */
    Set<String> useful() {
        Set<String> ids = new LinkedHashSet<>();
        for (Judgement j : episode.judgements()) {
            if (Boolean.TRUE.equals(j.useful())) {
                ids.add(j.caseId());
            }
        }
        return ids;
    }

    /** The cases judged not useful. */
    Set<String> useless() {
        Set<String> ids = new LinkedHashSet<>();
        for (Judgement j : episode.judgements()) {
            if (Boolean.FALSE.equals(j.useful())) {
                ids.add(j.caseId());
            }
        }
        return ids;
    }
}
