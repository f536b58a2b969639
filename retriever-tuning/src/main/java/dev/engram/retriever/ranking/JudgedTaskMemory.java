package dev.engram.retriever.ranking;

import dev.engram.retriever.ranking.internal.UnitVectors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One tenant's past judged tasks (AgentFly's case bank of positive and negative cases, seen from
 * the task side): what {@link JudgedCaseReuse} looks up to carry verdicts over to a similar new
 * task. Immutable: a new judgement makes a new memory, swapped in with the tenant's policy.
 *
 * <pre>{@code
 * JudgedTaskMemory memory = new JudgedTaskMemory("acme", judgedTasks);
 * memory.nearest(queryVector, 5, 0.75);   // up to 5 tasks with cosine >= 0.75, nearest first
 * }</pre>
 *
 * <p>The search is a linear scan: a tenant's judged tasks number in the thousands, and a scan of
 * unit vectors costs less than the recall it serves.
 *
 * @param tenant the tenant whose tasks these are; only its queries may read them
 * @param tasks the judged tasks, all with vectors of one length; copied
 */
public record JudgedTaskMemory(String tenant, List<JudgedTask> tasks) {

    public JudgedTaskMemory {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("judgedTaskMemory.tenant is required and must not be blank");
        }
        tasks = List.copyOf(Objects.requireNonNull(tasks, "judgedTaskMemory.tasks is required (may be empty)"));
        if (!tasks.isEmpty()) {
            int dim = tasks.get(0).vector().length;
            for (JudgedTask t : tasks) {
                if (t.vector().length != dim) {
                    throw new IllegalArgumentException("judgedTaskMemory.tasks must share one vector length: "
                            + tasks.get(0).taskId() + " has " + dim + ", " + t.taskId() + " has " + t.vector().length);
                }
            }
        }
    }

    /** A memory with no judged task: reuse changes nothing. */
    public static JudgedTaskMemory empty(String tenant) {
        return new JudgedTaskMemory(tenant, List.of());
    }

    /**
     * The at most {@code m} past tasks whose cosine to {@code query} is at least {@code threshold},
     * nearest first (ties in the memory's order).
     *
     * @throws IllegalArgumentException when {@code query}'s length differs from the tasks' vectors
     */
    public List<SimilarTask> nearest(float[] query, int m, double threshold) {
        return nearest(query, null, 0, m, threshold);
    }

    /**
     * The at most {@code m} past tasks whose hybrid similarity to the query is at least
     * {@code threshold}, nearest first (ties in the memory's order): {@code (1 − α) · cos + α · words[i]},
     * the query vectors' cosine mixed with the word similarity of the query's text to task {@code i}
     * ({@code words} in the memory's order; unused, may be null, when {@code α} is 0).
     *
     * @throws IllegalArgumentException when {@code α} is not in [0, 1), {@code words} is not one per
     *     task, or {@code query}'s length differs from the tasks' vectors
     */
    public List<SimilarTask> nearest(float[] query, double[] words, double alpha, int m, double threshold) {
        if (m < 1) {
            throw new IllegalArgumentException("m must be >= 1, was " + m);
        }
        if (!(alpha >= 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1), was " + alpha);
        }
        if (alpha > 0 && (words == null || words.length != tasks.size())) {
            throw new IllegalArgumentException("need one word similarity per judged task: "
                    + (words == null ? "none" : words.length) + " for " + tasks.size());
        }
        if (tasks.isEmpty()) {
            return List.of();
        }
        float[] unit = checked(query);
        List<SimilarTask> found = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            JudgedTask t = tasks.get(i);
            double cos = t.cosine(unit);
            double sim = alpha == 0 ? cos : (1 - alpha) * cos + alpha * words[i];
            if (sim >= threshold) {
                found.add(new SimilarTask(t, sim));
            }
        }
        // stable sort: equal similarities keep the memory's order
        found.sort(Comparator.comparingDouble(SimilarTask::similarity).reversed());
        return List.copyOf(found.subList(0, Math.min(m, found.size())));
    }

    /** The query scaled to unit length, checked against the tasks' vector length. */
    private float[] checked(float[] query) {
        float[] unit = UnitVectors.unit(query, "query vector");
        int dim = tasks.get(0).vector().length;
        if (unit.length != dim) {
            throw new IllegalArgumentException("query vector has length " + unit.length + ", tenant " + tenant
                    + "'s judged tasks have " + dim + ": were they embedded by another encoder?");
        }
        return unit;
    }

    @Override
    public String toString() {
        return "JudgedTaskMemory[tenant=" + tenant + ", tasks=" + tasks.size() + "]";
    }
}
