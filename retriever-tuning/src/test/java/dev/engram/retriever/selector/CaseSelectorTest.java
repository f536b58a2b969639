package dev.engram.retriever.selector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CaseSelectorTest {

    private static final int DIM = 4;

    /** Useful exactly when the case's first coordinate is positive; 1 useful in 4 (imbalanced). */
    private static List<SelectorExample> toy(Random r, int n) {
        List<SelectorExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean useful = r.nextInt(4) == 0;
            float[] task = new float[DIM];
            float[] c = new float[DIM];
            for (int k = 0; k < DIM; k++) {
                task[k] = (float) r.nextGaussian();
                c[k] = (float) r.nextGaussian();
            }
            c[0] = (float) ((useful ? 1 : -1) * (0.2 + r.nextDouble()));
            out.add(new SelectorExample(task, c, useful));
        }
        return out;
    }

    @Test
    void learnsASeparableProblemAndRerankerPutsUsefulCasesFirst() {
        Random r = new Random(7);
        List<SelectorExample> train = toy(r, 256);
        List<SelectorExample> test = toy(r, 200);
        try (CaseSelector selector = CaseSelector.create(
                DIM, SelectorConfig.defaults().withEpochs(15).withBatchSize(32))) {
            double before = accuracy(selector, test);
            double loss = selector.fit(train);
            double after = accuracy(selector, test);

            assertThat(after)
                    .as("accuracy on unseen examples (before: %s)", before)
                    .isGreaterThan(0.95);
            assertThat(loss).isLessThan(0.2);
            assertThat(selector.examplesSeen()).isEqualTo(256);

            // a recall of 8 with the two useful cases at the bottom: re-ranking brings them up
            float[] task = test.get(0).task();
            List<SelectorExample> recall = new ArrayList<>();
            test.stream().filter(e -> !e.useful()).limit(6).forEach(recall::add);
            test.stream().filter(SelectorExample::useful).limit(2).forEach(recall::add);
            List<SelectorExample> reranked = selector.rerank(task, recall, SelectorExample::recalled);
            assertThat(reranked.subList(0, 2)).allMatch(SelectorExample::useful);
            assertThat(reranked).containsExactlyInAnyOrderElementsOf(recall);
        }
    }

    @Test
    void onlineUpdateLearnsNewJudgementsWithoutForgettingTheOldRule() {
        Random r = new Random(11);
        List<SelectorExample> old = toy(r, 256);
        // a new kind of case (far along axis 1) that agents judged useful even with a negative axis 0
        List<SelectorExample> fresh = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            float[] task = {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian(), 0};
            float[] c = {(float) -(0.2 + r.nextDouble()), 4 + (float) r.nextDouble(), 0, 0};
            fresh.add(new SelectorExample(task, c, true));
        }
        try (CaseSelector selector = CaseSelector.create(
                DIM,
                SelectorConfig.defaults().withEpochs(15).withOnlineEpochs(10).withBatchSize(32))) {
            selector.fit(old);
            List<SelectorExample> freshTest = fresh.subList(48, 64);
            selector.update(fresh.subList(0, 48));

            assertThat(accuracy(selector, freshTest)).isGreaterThan(0.9);
            assertThat(accuracy(selector, toy(new Random(12), 200))).isGreaterThan(0.9);
            assertThat(selector.examplesSeen()).isEqualTo(256 + 48);
        }
    }

    @Test
    void rejectsOneClassAndWrongLengths() {
        try (CaseSelector selector = CaseSelector.create(DIM, SelectorConfig.defaults())) {
            List<SelectorExample> allUseful = toy(new Random(1), 50).stream()
                    .map(e -> new SelectorExample(e.task(), e.recalled(), true))
                    .toList();
            assertThatThrownBy(() -> selector.fit(allUseful)).hasMessageContaining("both useful and not-useful");
            assertThatThrownBy(() -> selector.usefulness(new float[3], List.of(new float[DIM])))
                    .hasMessageContaining("length 3");
        }
        assertThatThrownBy(() -> new SelectorExample(new float[4], new float[3], true))
                .hasMessageContaining("selectorExample.recalled");
        assertThatThrownBy(() -> SelectorConfig.defaults().withBlend(2)).hasMessageContaining("selectorConfig.blend");
    }

    private static double accuracy(CaseSelector selector, List<SelectorExample> examples) {
        int right = 0;
        for (SelectorExample e : examples) {
            float p = selector.usefulness(e.task(), List.of(e.recalled()))[0];
            if ((p > 0.5f) == e.useful()) {
                right++;
            }
        }
        return (double) right / examples.size();
    }
}
