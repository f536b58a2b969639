package dev.engram.adapters;

import static dev.engram.adapters.Fixtures.IN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraMergeTest {

    private NDManager manager;
    private Map<String, FrozenLinear> base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = Fixtures.base(manager, 4);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private static TrainingConfig steps(long n) {
        return TrainingConfig.builder()
                .learningRate(2e-2)
                .totalSteps(n)
                .schedule(LrSchedule.CONSTANT)
                .build();
    }

    private Map<String, float[]> outputs(LoraModel lora, float[] x) {
        Map<String, float[]> out = new LinkedHashMap<>();
        lora.layers().forEach((k, l) -> out.put(k, Fixtures.output(l, manager, x, 3)));
        return out;
    }

    private static void assertClose(Map<String, float[]> a, Map<String, float[]> b, double tol) {
        assertThat(b.keySet()).isEqualTo(a.keySet());
        a.forEach((k, v) -> assertThat(Fixtures.maxDiff(v, b.get(k))).as(k).isLessThan(tol));
    }

    @Test
    void mergeAndUnmergeRoundTripForPlainAndDora() throws Exception {
        float[] x = Fixtures.randomInput(8, 3, IN);
        Map<String, float[]> frozen = Fixtures.snapshot(base);
        for (boolean dora : new boolean[] {false, true}) {
            LoraConfig config = LoraConfig.builder()
                    .r(4)
                    .dropout(0)
                    .useDora(dora)
                    .targetModules(List.of("query", "value"))
                    .build();
            try (LoraModel lora = LoraModel.attach(base, config, manager, 1)) {
                new AdapterTrainer(steps(15)).fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
                Map<String, float[]> before = outputs(lora, x);
                lora.merge();
                assertThat(lora.isMerged()).isTrue();
                Map<String, float[]> merged = outputs(lora, x);
                assertClose(before, merged, 1e-5);
                lora.unmerge();
                assertThat(lora.isMerged()).isFalse();
                Map<String, float[]> after = outputs(lora, x);
                before.forEach((k, v) -> assertThat(after.get(k))
                        .as("bit-identical after unmerge " + k)
                        .isEqualTo(v));
                // the adapter did change the outputs: the round trip is not trivially true
                assertThat(Fixtures.maxDiff(
                                before.get(Fixtures.Q), Fixtures.output(base.get(Fixtures.Q), manager, x, 3)))
                        .isGreaterThan(1e-3);
            }
        }
        Map<String, float[]> frozenAfter = Fixtures.snapshot(base);
        frozen.forEach((k, v) -> assertThat(frozenAfter.get(k)).as(k).isEqualTo(v));
    }

    @Test
    void mergeAndResetContinuesFromTheMergedStateAndStillSavesForTheOriginalBase(@TempDir Path dir) throws Exception {
        float[] x = Fixtures.randomInput(9, 3, IN);
        LoraConfig config = LoraConfig.builder()
                .r(2)
                .dropout(0)
                .targetModules(List.of("query", "value"))
                .build();
        try (LoraModel lora = LoraModel.attach(base, config, manager, 1)) {
            Fixtures.LowRankTask task = new Fixtures.LowRankTask(lora, 8, false);
            List<Double> stage1 = new ArrayList<>();
            new AdapterTrainer(steps(40), p -> stage1.add(p.loss()), Clock.systemUTC())
                    .fit(lora.trainableParameters(), task);
            Map<String, float[]> beforeReset = outputs(lora, x);
            lora.mergeAndReset();
            assertThat(lora.stage()).isEqualTo(1);
            assertThat(lora.layers().get(Fixtures.Q).loraB().toFloatArray()).containsOnly(0f);
            assertClose(beforeReset, outputs(lora, x), 1e-5);

            List<Double> stage2 = new ArrayList<>();
            new AdapterTrainer(steps(40), p -> stage2.add(p.loss()), Clock.systemUTC())
                    .fit(lora.trainableParameters(), task);
            // the target is rank 2 per layer, so a second rank-2 stage keeps improving on the first
            assertThat(stage2.get(0)).isLessThan(stage1.get(0) * 0.5);
            assertThat(stage2.get(stage2.size() - 1)).isLessThan(stage1.get(stage1.size() - 1));

            Map<String, float[]> trained = outputs(lora, x);
            lora.save(dir);
            try (LoraModel loaded = LoraModel.load(dir, base, manager)) {
                assertThat(loaded.config().r()).isEqualTo(4); // two stages of rank 2
                assertClose(trained, outputs(loaded, x), 1e-5);
            }
        }
    }

    @Test
    void mergeAndResetIsRefusedForDora() {
        try (LoraModel lora =
                LoraModel.attach(base, LoraConfig.builder().useDora(true).build(), manager, 1)) {
            assertThatThrownBy(lora::mergeAndReset)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("DoRA");
        }
    }
}
