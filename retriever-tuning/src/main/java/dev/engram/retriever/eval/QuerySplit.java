package dev.engram.retriever.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A seeded split of queries into feedback queries (whose judgements may be used to tune the
 * retriever) and held-out queries (used only to measure it). The same queries, fraction and seed
 * give the same split on every run and every JVM, whatever order the queries come in: they are
 * put in id order, then shuffled with {@code java.util.Random(seed)}, whose sequence the JDK
 * specifies. Each side keeps the queries' given order.
 *
 * <pre>{@code
 * QuerySplit split = QuerySplit.split(cranfield, 0.6, 42);  // 60% feedback, 40% held out
 * split.feedback().size();  // 135
 * split.heldOut().size();   // 90
 * }</pre>
 *
 * @param feedback the feedback queries; copied
 * @param heldOut the held-out queries; copied; no id in common with {@code feedback}
 */
public record QuerySplit(List<Query> feedback, List<Query> heldOut) {

    public QuerySplit {
        if (feedback == null || heldOut == null) {
            throw new IllegalArgumentException("querySplit.feedback and querySplit.heldOut are required");
        }
        feedback = List.copyOf(feedback);
        heldOut = List.copyOf(heldOut);
        Set<String> ids = new HashSet<>();
        feedback.forEach(q -> ids.add(q.id()));
        for (Query q : heldOut) {
            if (ids.contains(q.id())) {
                throw new IllegalArgumentException("querySplit: query " + q.id() + " is both feedback and held out");
            }
        }
    }

    /**
     * Splits the dataset's judged queries ({@link EvalDataset#judgedQueries()}): unjudged queries
     * can neither give feedback nor be scored, so they are in neither part.
     */
    public static QuerySplit split(EvalDataset dataset, double feedbackFraction, long seed) {
        if (dataset == null) {
            throw new IllegalArgumentException("dataset is required");
        }
        return split(dataset.judgedQueries(), feedbackFraction, seed);
    }

    /**
     * Splits exactly the given queries (pass judged queries only, e.g. {@link EvalDataset#judgedQueries()}).
     *
     * @param feedbackFraction the share of queries for feedback, in [0, 1]; the feedback part gets
     *     {@code round(n * feedbackFraction)} queries
     * @param seed the shuffle's seed
     */
    public static QuerySplit split(List<Query> queries, double feedbackFraction, long seed) {
        if (queries == null || queries.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("queries is required and must not contain null");
        }
        if (!(feedbackFraction >= 0.0 && feedbackFraction <= 1.0)) {
            throw new IllegalArgumentException("feedbackFraction must be in [0, 1], was " + feedbackFraction);
        }
        List<Query> shuffled = new ArrayList<>(queries);
        shuffled.sort(Comparator.comparing(Query::id));
        for (int i = 1; i < shuffled.size(); i++) {
            if (shuffled.get(i).id().equals(shuffled.get(i - 1).id())) {
                throw new IllegalArgumentException(
                        "queries has the id " + shuffled.get(i).id() + " twice");
            }
        }
        Collections.shuffle(shuffled, new Random(seed));
        int feedbackCount = (int) Math.round(queries.size() * feedbackFraction);
        Set<String> feedbackIds = new HashSet<>();
        shuffled.subList(0, feedbackCount).forEach(q -> feedbackIds.add(q.id()));
        List<Query> feedback = new ArrayList<>();
        List<Query> heldOut = new ArrayList<>();
        for (Query q : queries) {
            (feedbackIds.contains(q.id()) ? feedback : heldOut).add(q);
        }
        return new QuerySplit(feedback, heldOut);
    }
}
