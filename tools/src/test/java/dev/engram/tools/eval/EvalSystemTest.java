package dev.engram.tools.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EvalSystemTest {

    @Test
    void theReuseVariantsAreScoredOnlyWhenAskedFor() {
        List<EvalSystem> variants = List.of(
                EvalSystem.PROPOSED_STRENGTH,
                EvalSystem.PROPOSED_WEIGHING,
                EvalSystem.PROPOSED_WORDS,
                EvalSystem.PROPOSED_WORDS_WEIGHING,
                EvalSystem.PROPOSED_FITTED_FEEDBACK);

        assertThat(EvalSystem.scored(true, false)).doesNotContainAnyElementsOf(variants);
        assertThat(EvalSystem.scored(false, true)).containsAll(variants);
        assertThat(EvalSystem.scored(true, true)).containsExactly(EvalSystem.values());
        assertThat(EvalSystem.scored(false, false))
                .contains(EvalSystem.HYBRID_RRF, EvalSystem.PROPOSED, EvalSystem.PROPOSED_FEEDBACK)
                .noneMatch(EvalSystem::lora)
                .noneMatch(EvalSystem::reuseVariant);
    }
}
