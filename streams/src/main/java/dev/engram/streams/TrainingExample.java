package dev.engram.streams;

import dev.engram.streams.internal.ChunkChecks;
import dev.engram.streams.internal.FieldChecks;
import java.util.List;

/**
 * One contrastive training pair of a {@link TrainingJob}: a task (the query side) and the text of a
 * case that helped with it, with optional hard negatives (texts of recalled cases judged not useful).
 *
 * <pre>{@code
 * new TrainingExample("refund a damaged order", "checked the photo; issued a refund; satisfied",
 *     List.of("asked the customer to resend the parcel; complaint"))
 * }</pre>
 *
 * @param query the task text, at most {@link EventLimits#MAX_TASK_CHARS} characters
 * @param positive the useful case's text, at most {@link #MAX_CASE_TEXT_CHARS}
 * @param hardNegatives up to {@link #MAX_HARD_NEGATIVES} texts of cases that did not help; never null
 */
public record TrainingExample(String query, String positive, List<String> hardNegatives) {

    /** Longest case text (task, plan and outcome as the scheduler renders them): 65,536 characters. */
    public static final int MAX_CASE_TEXT_CHARS = 65_536;

    /** Most hard negatives per example: 16. */
    public static final int MAX_HARD_NEGATIVES = 16;

    public TrainingExample {
        FieldChecks.requireText("query", query, EventLimits.MAX_TASK_CHARS);
        FieldChecks.requireText("positive", positive, MAX_CASE_TEXT_CHARS);
        hardNegatives = ChunkChecks.list("hardNegatives", hardNegatives, 0, MAX_HARD_NEGATIVES);
        for (int i = 0; i < hardNegatives.size(); i++) {
            FieldChecks.requireText("hardNegatives[" + i + "]", hardNegatives.get(i), MAX_CASE_TEXT_CHARS);
        }
    }
}
