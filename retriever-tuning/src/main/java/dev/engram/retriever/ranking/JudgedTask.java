package dev.engram.retriever.ranking;

import dev.engram.retriever.ranking.internal.UnitVectors;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * A past task with the verdicts its recall received: the task's vector (and text) and the cases
 * judged useful or useless for it. The unit of {@link JudgedTaskMemory}, and what
 * {@link JudgedCaseReuse} carries over to similar tasks ({@link TaskExpansion} matches the text).
 *
 * <pre>{@code
 * new JudgedTask("evt-42", encoder.embedQuery(task), Set.of("evt-7"), Set.of("evt-3", "evt-9"), task);
 * }</pre>
 *
 * @param taskId the id of the episode that judged them (for reasons and logs)
 * @param vector the task's query vector, scaled to unit length on construction; copied
 * @param useful the cases judged useful for the task; copied
 * @param useless the cases judged useless for the task; copied, disjoint from {@code useful}
 * @param text the task's text, for {@link TaskExpansion}; {@code ""} when not known (null reads as that)
 */
public record JudgedTask(String taskId, float[] vector, Set<String> useful, Set<String> useless, String text) {

    /** A task without its text: reuse works on it, {@link TaskExpansion} does not see it. */
    public JudgedTask(String taskId, float[] vector, Set<String> useful, Set<String> useless) {
        this(taskId, vector, useful, useless, "");
    }

    public JudgedTask {
        text = text == null ? "" : text;
        if (taskId == null || taskId.isBlank()) {
            throw new IllegalArgumentException("judgedTask.taskId is required and must not be blank");
        }
        vector = UnitVectors.unit(vector, "judgedTask.vector");
        if (useful == null || useless == null) {
            throw new IllegalArgumentException("judgedTask.useful and judgedTask.useless are required (may be empty)");
        }
        useful = Set.copyOf(useful);
        useless = Set.copyOf(useless);
        Set<String> both = new HashSet<>(useful);
        both.retainAll(useless);
        if (!both.isEmpty()) {
            throw new IllegalArgumentException("judgedTask " + taskId + ": cases " + both
                    + " are judged both useful and useless; settle each case's verdict for the task first");
        }
    }

    /** The unit task vector (a copy). */
    @Override
    public float[] vector() {
        return vector.clone();
    }

    /** {@code +1} when the case was judged useful for this task, {@code −1} useless, 0 not judged. */
    public int verdict(String caseId) {
        return useful.contains(caseId) ? 1 : useless.contains(caseId) ? -1 : 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JudgedTask t
                && taskId.equals(t.taskId)
                && Arrays.equals(vector, t.vector)
                && useful.equals(t.useful)
                && useless.equals(t.useless)
                && text.equals(t.text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(taskId, Arrays.hashCode(vector), useful, useless, text);
    }

    @Override
    public String toString() {
        return "JudgedTask[" + taskId + ", " + vector.length + " dims, useful=" + useful + ", useless=" + useless + "]";
    }

    /** The cosine of this task to a unit vector of the same length; no copy. */
    double cosine(float[] unitQuery) {
        return UnitVectors.dot(vector, unitQuery);
    }
}
