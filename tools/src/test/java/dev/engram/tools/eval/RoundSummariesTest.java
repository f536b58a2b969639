package dev.engram.tools.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gate's agreement is counted by the sign of the true change: promote iff the true mean gain is >= 0. */
class RoundSummariesTest {

    private static RoundResult result(String system, int round, boolean promote, String reading, Gain truth) {
        boolean agrees = promote == (truth.meanGain() >= 0);
        return new RoundResult(
                1,
                round,
                system,
                10,
                4,
                system,
                0.4,
                0.5,
                truth,
                truth,
                promote,
                reading,
                "reason",
                truth,
                truth,
                agrees,
                0.4,
                Map.of("mean gain >= 0 (no interval)", true),
                Map.of("q1", 0.01, "q2", -0.02),
                Map.of("q3", 0.1));
    }

    @Test
    void countsAgreementClearTruthsAndPromotedLossesPerSystemAndInAll() {
        Gain clearGain = new Gain(90, 0.02, 0.005, 0.035, 0.01);
        Gain noise = new Gain(90, -0.001, -0.01, 0.008, 0.8);
        Gain clearLoss = new Gain(90, -0.02, -0.03, -0.01, 0.001);
        List<RoundResult> details = List.of(
                result("policy", 1, true, "gain", clearGain), // agrees, clear
                result("policy", 2, true, "no measurable change", noise), // disagrees (truth < 0), not clear
                result("LoRA CONTINUE", 1, true, "no measurable change", clearLoss), // disagrees, promoted a loss
                result("LoRA CONTINUE", 2, false, "loss", clearLoss)); // agrees, clear

        List<EvalReport.GateAgreement> agreement = RoundSummaries.agreement(details);

        assertThat(agreement)
                .extracting(EvalReport.GateAgreement::system)
                .containsExactly("policy", "LoRA CONTINUE", "all");
        EvalReport.GateAgreement all = agreement.get(2);
        assertThat(all.candidates()).isEqualTo(4);
        assertThat(all.agreed()).isEqualTo(2);
        assertThat(all.clear()).isEqualTo(3);
        assertThat(all.agreedWhereClear()).isEqualTo(2);
        assertThat(all.promoted()).isEqualTo(3);
        assertThat(all.promotedLosingOverHalfAPoint())
                .as("the promoted clear loss of 2 points")
                .isEqualTo(1);
        assertThat(all.showedGain()).isEqualTo(1);
        assertThat(all.showedNoChange()).isEqualTo(2);
        assertThat(all.showedLoss()).isEqualTo(1);
        assertThat(RoundSummaries.otherRules(details)).containsEntry("mean gain >= 0 (no interval)", "4 of 4");

        List<EvalReport.RoundSummary> rounds = RoundSummaries.of(details);
        assertThat(rounds)
                .extracting(s -> s.system() + " r" + s.round())
                .containsExactly("policy r1", "policy r2", "LoRA CONTINUE r1", "LoRA CONTINUE r2");
        assertThat(rounds.get(0).vsUntunedNew().n()).isEqualTo(2);
        assertThat(rounds.get(0).vsUntunedNew().meanGain())
                .isCloseTo(-0.005, org.assertj.core.data.Offset.offset(1e-12));
    }
}
