package dev.engram.retriever.ranking;

import dev.engram.memory.CandidateLists;
import dev.engram.memory.RankedCandidate;
import dev.engram.memory.Ranker;
import dev.engram.memory.RecallQuery;
import dev.engram.retriever.ranking.internal.BaseScores;
import dev.engram.retriever.ranking.internal.ExpansionIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Document expansion by the tenant's judged tasks (doc2query with the agents' own tasks as the
 * queries; query-log expansion): each case is expanded by the words of the past tasks that judged
 * it useful, and, on a second side, of those that judged it useless, and a new task is matched
 * against both with BM25. Judged-case reuse finds similar tasks by their vectors; this stage finds
 * them by their words, so a case rises for a new task that shares rare words with the tasks it
 * helped, even where the encoder does not see the tasks as close.
 *
 * <p>Each candidate is scored
 * <pre>
 *   base'(c) + γ · (BM25(q, useful(c)) − BM25(q, useless(c))) / Σ_{t ∈ q} idf(t) · (k1 + 1)
 * </pre>
 * where {@code base'} is the base ranker's score min-max scaled over its list, and the divisor is
 * the most BM25 can give the query's words, so the expansion term lies in [−γ, γ] and reaches γ
 * only for a case whose useful tasks hold every word of the query, often.
 *
 * <pre>{@code
 * Ranker expansion = new TaskExpansion(untunedRrf, memory, 1.0);
 * expansion.rank(query, candidates).get(0).contribution();
 * // "rrf 0.0325 (…); base 0.80 + expansion +0.21 (useful to 2 past tasks, useless to 0)"
 * }</pre>
 *
 * <p>Only the candidates are reordered. Tasks without text (see {@link JudgedTask#text()}) expand
 * nothing; with no word of the query in any expansion, the order is exactly the base's. Immutable and
 * thread-safe.
 */
public final class TaskExpansion implements Ranker {

    private final Ranker base;
    private final String tenant;
    private final ExpansionIndex index;
    private final double weight;

    /**
     * @param base the ranker whose order is adjusted
     * @param memory the tenant's judged tasks, with their texts
     * @param weight γ, how far a case whose useful tasks match the query fully moves, in units of
     *     the base's scaled range; >= 0 and finite
     */
    public TaskExpansion(Ranker base, JudgedTaskMemory memory, double weight) {
        this(base, memory.tenant(), index(memory), weight);
    }

    TaskExpansion(Ranker base, String tenant, ExpansionIndex index, double weight) {
        this.base = Objects.requireNonNull(base, "taskExpansion.base is required");
        this.tenant = Objects.requireNonNull(tenant, "taskExpansion.tenant is required");
        this.index = Objects.requireNonNull(index, "taskExpansion.index is required");
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("taskExpansion.weight must be >= 0 and finite, was " + weight);
        }
        this.weight = weight;
    }

    /** The expansion index of a memory's tasks (built once per memory by {@link RankerFactory}). */
    static ExpansionIndex index(JudgedTaskMemory memory) {
        List<ExpansionIndex.Task> tasks = new ArrayList<>(memory.tasks().size());
        for (JudgedTask t : memory.tasks()) {
            tasks.add(new ExpansionIndex.Task(ExpansionIndex.terms(t.text()), t.useful(), t.useless()));
        }
        return ExpansionIndex.of(tasks);
    }

    @Override
    public String name() {
        return base.name() + "+expansion";
    }

    @Override
    public List<RankedCandidate> rank(RecallQuery query, CandidateLists candidates) {
        BaseScores.requireTenant(query, tenant, "task expansion");
        List<RankedCandidate> ranked = base.rank(query, candidates);
        List<String> terms = index.isEmpty() ? List.of() : ExpansionIndex.terms(query.text());
        double ceiling = index.ceiling(terms);
        if (terms.isEmpty() || !(ceiling > 0)) {
            return ranked;
        }
        double[] scaled = BaseScores.scaled(ranked);
        List<RankedCandidate> rescored = new ArrayList<>(ranked.size());
        boolean moved = false;
        for (int i = 0; i < ranked.size(); i++) {
            RankedCandidate r = ranked.get(i);
            String caseId = r.candidate().caseId();
            double raw = index.usefulScore(terms, caseId) - index.uselessScore(terms, caseId);
            double adjustment = weight * raw / ceiling;
            moved |= adjustment != 0;
            String why = String.format(
                    Locale.ROOT,
                    "expansion %+.2f (useful to %d past tasks, useless to %d)",
                    adjustment,
                    index.usefulTasks(caseId),
                    index.uselessTasks(caseId));
            rescored.add(new RankedCandidate(
                    r.candidate(),
                    scaled[i] + adjustment,
                    String.format(Locale.ROOT, "%s; base %.2f + %s", r.contribution(), scaled[i], why)));
        }
        return moved ? BaseScores.sortKeepingBaseOrderOnTies(rescored) : List.copyOf(rescored);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "TaskExpansion[%s, γ=%.2f]", base.name(), weight);
    }
}
