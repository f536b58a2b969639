package dev.engram.adapters;

import static dev.engram.adapters.Fixtures.IN;
import static dev.engram.adapters.Fixtures.OUT;
import static dev.engram.adapters.Fixtures.Q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoraLinearTest {

    private NDManager manager;
    private Map<String, FrozenLinear> base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = Fixtures.base(manager, 1);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private LoraModel attach(LoraConfig.Builder b) {
        return LoraModel.attach(base, b.build(), manager, 3);
    }

    @Test
    void targetsFollowPeftMatchingRules() {
        try (LoraModel m = attach(LoraConfig.builder().targetModules(List.of("query", "value")))) {
            assertThat(m.layers().keySet()).containsExactly(Fixtures.Q, Fixtures.V);
        }
        try (LoraModel m = attach(LoraConfig.builder().targetModules(List.of("dense")))) {
            assertThat(m.layers().keySet()).containsExactly(Fixtures.O);
        }
        try (LoraModel m = attach(LoraConfig.builder().targetModulesRegex(".*self\\.(key|query)"))) {
            assertThat(m.layers().keySet()).containsExactly(Fixtures.K, Fixtures.Q);
        }
        try (LoraModel m = attach(LoraConfig.builder().targetModules(List.of("all-linear")))) {
            assertThat(m.layers()).hasSize(4);
        }
        assertThatThrownBy(() -> attach(LoraConfig.builder().targetModules(List.of("nope"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("match none");
    }

    @Test
    void freshAdaptersLeaveOutputsUnchangedForEveryInit() {
        float[] x = Fixtures.randomInput(5, 3, IN);
        float[] expected = Fixtures.output(base.get(Q), manager, x, 3);
        for (LoraInit init : LoraInit.values()) {
            for (boolean dora : new boolean[] {false, true}) {
                try (LoraModel m =
                        attach(LoraConfig.builder().init(init).useDora(dora).r(4))) {
                    float[] got = Fixtures.output(m.layers().get(Q), manager, x, 3);
                    assertThat(Fixtures.maxDiff(expected, got))
                            .as(init + " dora=" + dora)
                            .isLessThan(2e-5);
                }
            }
        }
    }

    @Test
    void initialisationsFollowPeft() {
        try (LoraModel m = attach(LoraConfig.builder().r(4))) {
            float[] a = m.layers().get(Q).loraA().toFloatArray();
            double bound = 1 / Math.sqrt(IN);
            for (float v : a) {
                assertThat(Math.abs(v)).isLessThanOrEqualTo((float) bound);
            }
            assertThat(m.layers().get(Q).loraB().toFloatArray()).containsOnly(0f);
            assertThat(m.layers().get(Q).loraA().getShape()).isEqualTo(new Shape(4, IN));
            assertThat(m.layers().get(Q).loraB().getShape()).isEqualTo(new Shape(OUT, 4));
        }
        try (LoraModel m = attach(LoraConfig.builder().r(4).init(LoraInit.GAUSSIAN))) {
            float[] a = m.layers().get(Q).loraA().toFloatArray();
            double sq = 0;
            for (float v : a) {
                sq += v * v;
            }
            assertThat(Math.sqrt(sq / a.length)).isBetween(0.25 * 0.7, 0.25 * 1.3); // std 1/r
        }
        try (LoraModel m = attach(LoraConfig.builder().r(4).init(LoraInit.OLORA))) {
            // B = Q[:, :r] has orthonormal columns
            NDArray b = m.layers().get(Q).loraB();
            float[] gram = b.transpose().matMul(b).toFloatArray();
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    assertThat((double) gram[i * 4 + j])
                            .isCloseTo(i == j ? 1 : 0, org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
        try (LoraModel m = attach(LoraConfig.builder().r(4).useDora(true))) {
            float[] mag = m.layers().get(Q).magnitude().orElseThrow().toFloatArray();
            float[] w = base.get(Q).weight().toFloatArray();
            for (int i = 0; i < OUT; i++) {
                double n = 0;
                for (int j = 0; j < IN; j++) {
                    n += w[i * IN + j] * w[i * IN + j];
                }
                assertThat((double) mag[i]).isCloseTo(Math.sqrt(n), org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void sameSeedSameAdapterAndScalingFollowsRslora() {
        try (LoraModel a = LoraModel.attach(base, LoraConfig.defaults(), manager, 9);
                LoraModel b = LoraModel.attach(base, LoraConfig.defaults(), manager, 9)) {
            assertThat(a.layers().get(Q).loraA().toFloatArray())
                    .isEqualTo(b.layers().get(Q).loraA().toFloatArray());
        }
        assertThat(LoraConfig.builder().r(16).alpha(32).build().scaling()).isEqualTo(2.0);
        assertThat(LoraConfig.builder().r(16).alpha(32).useRslora(true).build().scaling())
                .isEqualTo(8.0);
    }

    @Test
    void frozenLinearForwardLeavesNothingInTheWeightsManager() {
        FrozenLinear layer = base.get(Q);
        int before = manager.getManagedArrays().size();
        try (LoraModel m = attach(LoraConfig.builder().useDora(true))) {
            int withModel = manager.getManagedArrays().size();
            assertThat(withModel).as("getManagedArrays counts sub-managers").isGreaterThan(before);
            m.setTraining(true);
            for (int i = 0; i < 5; i++) {
                Fixtures.output(m.layers().get(Q), manager, Fixtures.randomInput(i, 2, IN), 2);
                Fixtures.output(layer, manager, Fixtures.randomInput(i, 2, IN), 2);
            }
            assertThat(manager.getManagedArrays()).hasSize(withModel);
        }
        assertThat(manager.getManagedArrays()).hasSize(before);
    }

    @Test
    void configRejectsBadValuesNamingTheField() {
        assertThatThrownBy(() -> LoraConfig.builder().r(0).build()).hasMessageContaining("r must");
        assertThatThrownBy(() -> LoraConfig.builder().alpha(-1).build()).hasMessageContaining("alpha");
        assertThatThrownBy(() -> LoraConfig.builder().dropout(1).build()).hasMessageContaining("dropout");
        assertThatThrownBy(() -> LoraConfig.builder().loraPlusRatio(0.5).build())
                .hasMessageContaining("loraPlusRatio");
        assertThatThrownBy(() -> LoraConfig.builder().targetModules(List.of()).build())
                .hasMessageContaining("targetModules");
        assertThatThrownBy(() -> LoraConfig.builder().targetModulesRegex("(").build())
                .hasMessageContaining("targetModulesRegex");
        assertThatCode(() -> LoraConfig.builder().init(LoraInit.OLORA).r(13).build().toBuilder()
                        .build())
                .doesNotThrowAnyException();
        assertThatThrownBy(
                        () -> attach(LoraConfig.builder().init(LoraInit.OLORA).r(13)))
                .hasMessageContaining("OLoRA needs r <=");
    }

    @Test
    void scheduleWarmsUpThenDecays() {
        assertThat(LrSchedule.LINEAR.factor(0, 10, 110)).isEqualTo(0.0);
        assertThat(LrSchedule.LINEAR.factor(5, 10, 110)).isEqualTo(0.5);
        assertThat(LrSchedule.LINEAR.factor(10, 10, 110)).isEqualTo(1.0);
        assertThat(LrSchedule.LINEAR.factor(60, 10, 110)).isEqualTo(0.5);
        assertThat(LrSchedule.COSINE.factor(60, 10, 110)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(LrSchedule.COSINE.factor(110, 10, 110)).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(LrSchedule.CONSTANT.factor(100, 10, 110)).isEqualTo(1.0);
        assertThatThrownBy(() -> TrainingConfig.builder()
                        .warmupSteps(200)
                        .totalSteps(100)
                        .build())
                .hasMessageContaining("warmupSteps");
    }
}
