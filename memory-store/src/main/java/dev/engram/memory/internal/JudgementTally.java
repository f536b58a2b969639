package dev.engram.memory.internal;

import dev.engram.memory.Judgement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one episode's judgements add to one case: {@code recalled} is the number of judgements of
 * it, {@code useful} those that said useful ({@code useful == TRUE}, or {@code null} with the
 * episode's reward at or above the positive threshold).
 */
public record JudgementTally(long recalled, long useful) {

    /** The tallies per judged case id, in the order the cases were first judged. */
    public static Map<String, JudgementTally> of(List<Judgement> judgements, boolean rewardSaysUseful) {
        Map<String, JudgementTally> byCase = new LinkedHashMap<>();
        for (Judgement j : judgements) {
            boolean useful = j.useful() == null ? rewardSaysUseful : j.useful();
            byCase.merge(
                    j.caseId(),
                    new JudgementTally(1, useful ? 1 : 0),
                    (a, b) -> new JudgementTally(a.recalled + b.recalled, a.useful + b.useful));
        }
        return byCase;
    }
}
