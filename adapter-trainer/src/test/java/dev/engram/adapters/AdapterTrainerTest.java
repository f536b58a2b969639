package dev.engram.adapters;

import static dev.engram.adapters.Fixtures.IN;
import static dev.engram.adapters.Fixtures.Q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterTrainerTest {

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

    private static TrainingConfig.Builder training(long steps) {
        return TrainingConfig.builder()
                .learningRate(2e-2)
                .totalSteps(steps)
                .warmupSteps(Math.min(5, steps))
                .schedule(LrSchedule.COSINE)
                .weightDecay(0.01)
                .maxGradNorm(1.0)
                .batchSize(8);
    }

    private static Map<String, float[]> weights(LoraModel m) {
        Map<String, float[]> w = new LinkedHashMap<>();
        for (TrainableParameter p : m.trainableParameters()) {
            w.put(p.name(), p.value().toFloatArray());
        }
        m.layers().forEach((k, l) -> w.put(k + ".A", l.loraA().toFloatArray()));
        return w;
    }

    @Test
    void lossFallsAndFrozenWeightsStayBitIdentical() throws Exception {
        Map<String, float[]> frozenBefore = Fixtures.snapshot(base);
        LoraConfig config = LoraConfig.builder()
                .r(4)
                .alpha(8)
                .dropout(0.05)
                .targetModules(List.of("query", "value"))
                .build();
        List<TrainingProgress> progress = new ArrayList<>();
        try (LoraModel lora = LoraModel.attach(base, config, manager, 11)) {
            lora.setTraining(true);
            TrainingResult result = new AdapterTrainer(training(120).build(), progress::add, Clock.systemUTC())
                    .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 8, false));
            assertThat(result.stepsDone()).isEqualTo(120);
            assertThat(result.stoppedEarly()).isFalse();
        }
        double first = progress.get(0).loss();
        double last = progress.get(progress.size() - 1).loss();
        assertThat(last).as("loss %s -> %s", first, last).isLessThan(first * 0.1);
        assertThat(progress).hasSize(120);
        TrainingProgress p = progress.get(59);
        assertThat(p.step()).isEqualTo(60);
        assertThat(p.totalSteps()).isEqualTo(120);
        assertThat(p.examplesPerSecond()).isPositive();
        assertThat(p.eta().isNegative()).isFalse();
        assertThat(progress.get(0).learningRate()).isEqualTo(0.0); // warm-up starts at 0
        Map<String, float[]> frozenAfter = Fixtures.snapshot(base);
        assertThat(frozenAfter.keySet()).isEqualTo(frozenBefore.keySet());
        frozenBefore.forEach((k, v) -> assertThat(frozenAfter.get(k)).as(k).isEqualTo(v));
    }

    @Test
    void forcedGcBetweenForwardAndBackwardChangesNoGradient() throws Exception {
        for (boolean dora : new boolean[] {false, true}) {
            LoraConfig config =
                    LoraConfig.builder().r(4).dropout(0).useDora(dora).build();
            Map<String, float[]> plain;
            Map<String, float[]> withGc;
            List<Double> normsPlain = new ArrayList<>();
            List<Double> normsGc = new ArrayList<>();
            try (LoraModel lora = LoraModel.attach(base, config, manager, 5)) {
                new AdapterTrainer(training(6).build(), p -> normsPlain.add(p.gradNorm()), Clock.systemUTC())
                        .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
                plain = weights(lora);
            }
            try (LoraModel lora = LoraModel.attach(base, config, manager, 5)) {
                new AdapterTrainer(training(6).build(), p -> normsGc.add(p.gradNorm()), Clock.systemUTC())
                        .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, true));
                withGc = weights(lora);
            }
            assertThat(normsGc).as("dora=" + dora).isEqualTo(normsPlain);
            plain.forEach((k, v) -> assertThat(withGc.get(k)).as(k).isEqualTo(v));
        }
    }

    /**
     * The correct way to scale a loss: multiply by a scalar NDArray that lives in the step manager
     * until after backward. Its gradient, with a GC forced before backward, matches the analytic one.
     */
    @Test
    void scalarNdArrayLossScaleGivesTheAnalyticGradientAfterGc() {
        LoraConfig config = LoraConfig.builder()
                .r(2)
                .alpha(2)
                .dropout(0)
                .targetModules(List.of("query"))
                .build();
        try (LoraModel lora = LoraModel.attach(base, config, manager, 5);
                NDManager sm = manager.newSubManager()) {
            LoraLinear layer = lora.layers().get(Q);
            float[] x = Fixtures.randomInput(3, 5, IN);
            NDArray xs = sm.create(x, new ai.djl.ndarray.types.Shape(5, IN));
            float c = 0.37f;
            NDArray loss;
            try (var collector = manager.getEngine().newGradientCollector()) {
                loss = layer.forward(xs).sum().mul(sm.create(c));
                System.gc();
                System.gc();
                collector.backward(loss);
            }
            // d(c·Σ y)/dB[i][k] = c·s·Σ_n (x_n Aᵀ)_k, the same for every output row i
            float[] a = layer.loraA().toFloatArray();
            double[] colSum = new double[2];
            for (int n = 0; n < 5; n++) {
                for (int k = 0; k < 2; k++) {
                    for (int j = 0; j < IN; j++) {
                        colSum[k] += x[n * IN + j] * a[k * IN + j];
                    }
                }
            }
            try (NDArray g = layer.loraB().getGradient()) {
                float[] grad = g.toFloatArray();
                for (int i = 0; i < Fixtures.OUT; i++) {
                    for (int k = 0; k < 2; k++) {
                        assertThat((double) grad[i * 2 + k])
                                .isCloseTo(c * 1.0 * colSum[k], org.assertj.core.data.Offset.offset(1e-4));
                    }
                }
            }
        }
    }

    @Test
    void loraFaKeepsAFixedAndLoraPlusMovesBLambdaTimesFaster() throws Exception {
        float[] deltaPlain;
        float[] deltaPlus;
        TrainingConfig oneStep = TrainingConfig.builder()
                .learningRate(1e-3)
                .totalSteps(1)
                .weightDecay(0)
                .maxGradNorm(0)
                .schedule(LrSchedule.CONSTANT)
                .build();
        try (LoraModel lora =
                LoraModel.attach(base, LoraConfig.builder().dropout(0).build(), manager, 2)) {
            new AdapterTrainer(oneStep).fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
            deltaPlain = lora.layers().get(Q).loraB().toFloatArray(); // B started at 0
        }
        try (LoraModel lora = LoraModel.attach(
                base, LoraConfig.builder().dropout(0).loraPlusRatio(4).build(), manager, 2)) {
            assertThat(lora.trainableParameters())
                    .filteredOn(p -> p.name().endsWith("lora_B.weight"))
                    .allSatisfy(p -> assertThat(p.lrMultiplier()).isEqualTo(4.0));
            new AdapterTrainer(oneStep).fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
            deltaPlus = lora.layers().get(Q).loraB().toFloatArray();
        }
        int moved = 0;
        for (int i = 0; i < deltaPlain.length; i++) {
            if (Math.abs(deltaPlain[i]) > 1e-5) {
                moved++;
                assertThat((double) deltaPlus[i] / deltaPlain[i])
                        .isCloseTo(4.0, org.assertj.core.data.Offset.offset(1e-3));
            }
        }
        assertThat(moved).isGreaterThan(deltaPlain.length / 2);

        try (LoraModel lora = LoraModel.attach(
                base, LoraConfig.builder().dropout(0).freezeA(true).build(), manager, 2)) {
            float[] aBefore = lora.layers().get(Q).loraA().toFloatArray();
            assertThat(lora.trainableParameters()).noneMatch(p -> p.name().endsWith("lora_A.weight"));
            new AdapterTrainer(training(20).build())
                    .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
            assertThat(lora.layers().get(Q).loraA().toFloatArray()).isEqualTo(aBefore);
            assertThat(lora.layers().get(Q).loraB().toFloatArray())
                    .isNotEqualTo(new float[aBefore.length / Fixtures.IN * Fixtures.OUT]);
        }
    }

    @Test
    void sameSeedSameWeightsAndResumeMatchesAnUninterruptedRun(@TempDir Path dir) throws Exception {
        LoraConfig config = LoraConfig.builder().r(4).dropout(0.2).build();
        Map<String, float[]> first;
        Map<String, float[]> again;
        Map<String, float[]> otherSeed;
        Map<String, float[]> resumed;
        try (LoraModel lora = LoraModel.attach(base, config, manager, 1)) {
            lora.setTraining(true);
            new AdapterTrainer(training(12).seed(100).build())
                    .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
            first = weights(lora);
        }
        try (LoraModel lora = LoraModel.attach(base, config, manager, 1)) {
            lora.setTraining(true);
            new AdapterTrainer(training(12).seed(100).build())
                    .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
            again = weights(lora);
        }
        try (LoraModel lora = LoraModel.attach(base, config, manager, 1)) {
            lora.setTraining(true);
            new AdapterTrainer(training(12).seed(101).build())
                    .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
            otherSeed = weights(lora);
        }
        // interrupted after 5 steps, then a new process-like start: fresh model, new trainer
        TrainingConfig withCheckpoints =
                training(12).seed(100).checkpointDir(dir).checkpointEvery(4).build();
        try (LoraModel lora = LoraModel.attach(base, config, manager, 1)) {
            lora.setTraining(true);
            AdapterTrainer[] holder = new AdapterTrainer[1];
            holder[0] = new AdapterTrainer(
                    withCheckpoints,
                    p -> {
                        if (p.step() == 5) {
                            holder[0].requestStop();
                        }
                    },
                    Clock.systemUTC());
            TrainingResult r = holder[0].fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
            assertThat(r.stoppedEarly()).isTrue();
            assertThat(r.stepsDone()).isEqualTo(5);
        }
        try (LoraModel lora = LoraModel.attach(base, config, manager, 1)) {
            lora.setTraining(true);
            TrainingResult r = new AdapterTrainer(withCheckpoints)
                    .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
            assertThat(r.resumedFromStep()).isEqualTo(5);
            assertThat(r.stepsDone()).isEqualTo(12);
            resumed = weights(lora);
        }
        first.forEach((k, v) -> {
            assertThat(again.get(k)).as("same seed " + k).isEqualTo(v);
            assertThat(resumed.get(k)).as("resumed " + k).isEqualTo(v);
        });
        assertThat(otherSeed.get(Q + ".lora_B.weight")).isNotEqualTo(first.get(Q + ".lora_B.weight"));
        // a checkpoint from another run setup is refused rather than silently mixed in
        try (LoraModel lora = LoraModel.attach(base, config, manager, 1)) {
            assertThatThrownBy(() -> new AdapterTrainer(
                                    training(12).seed(7).checkpointDir(dir).build())
                            .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false)))
                    .isInstanceOf(InvalidAdapterException.class)
                    .hasMessageContaining("seed");
        }
    }

    @Test
    void aSecondTrainingInTheSameJvmIsRefusedClearly() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (LoraModel first = LoraModel.attach(base, LoraConfig.defaults(), manager, 1);
                LoraModel second = LoraModel.attach(base, LoraConfig.defaults(), manager, 2)) {
            Fixtures.LowRankTask task = new Fixtures.LowRankTask(first, 2, false);
            CompletableFuture<TrainingResult> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return new AdapterTrainer(training(1).build()).fit(first.trainableParameters(), (sm, step) -> {
                        inside.countDown();
                        try {
                            if (!release.await(30, TimeUnit.SECONDS)) {
                                throw new IllegalStateException("test never released the first training");
                            }
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return task.loss(sm, step);
                    });
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            CompletableFuture.anyOf(running, CompletableFuture.runAsync(() -> {
                        try {
                            inside.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }))
                    .get(60, TimeUnit.SECONDS);
            if (running.isDone()) {
                running.join(); // surfaces the first training's failure
            }
            assertThat(inside.getCount()).isZero();
            assertThat(AdapterTrainer.activeTraining()).contains("AdapterTrainer.fit");
            assertThatThrownBy(() -> new AdapterTrainer(training(1).build())
                            .fit(second.trainableParameters(), new Fixtures.LowRankTask(second, 2, false)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Another training is running in this JVM");
            release.countDown();
            assertThat(running.get(60, TimeUnit.SECONDS).stepsDone()).isEqualTo(1);
            assertThat(AdapterTrainer.activeTraining()).isNull();
            // and the slot is free again
            assertThat(new AdapterTrainer(training(1).build())
                            .fit(second.trainableParameters(), new Fixtures.LowRankTask(second, 2, false))
                            .stepsDone())
                    .isEqualTo(1);
        }
    }

    @Test
    void stepsLeaveNoArraysBehind() throws Exception {
        try (LoraModel lora =
                LoraModel.attach(base, LoraConfig.builder().useDora(true).build(), manager, 1)) {
            lora.setTraining(true);
            int before = manager.getManagedArrays().size();
            List<Integer> sizes = new ArrayList<>();
            new AdapterTrainer(
                            training(10).build(),
                            p -> sizes.add(manager.getManagedArrays().size()),
                            Clock.systemUTC())
                    .fit(lora.trainableParameters(), new Fixtures.LowRankTask(lora, 4, false));
            assertThat(sizes).as("arrays alive after each step").containsOnly(sizes.get(0));
            assertThat(manager.getManagedArrays()).hasSize(before);
        }
    }
}
