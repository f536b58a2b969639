package dev.engram.agentmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The loss is the NLL of the target tokens and nothing else, and its gradient survives a GC. */
class CausalLmLossTest {

    private static NDManager manager;
    private static final int V = 11;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    private static final SftBatch BATCH = SftBatch.of(
            List.of(
                    new SftExample("a", new long[] {1, 5, 6}, new long[] {7, 8, 2}),
                    new SftExample("b", new long[] {1, 9}, new long[] {10, 2})),
            0);

    private static float[] randomLogits(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] logits = new float[2 * 5 * V];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (rnd.nextDouble() * 4 - 2);
        }
        return logits;
    }

    /** −log softmax(row)[label], in double. */
    private static double nll(float[] logits, int position, long label) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < V; v++) {
            max = Math.max(max, logits[position * V + v]);
        }
        double sum = 0;
        for (int v = 0; v < V; v++) {
            sum += Math.exp(logits[position * V + v] - max);
        }
        return -(logits[position * V + (int) label] - max - Math.log(sum));
    }

    @Test
    void theLossIsTheMeanNllOfTheTargetTokensOnly() {
        float[] logits = randomLogits(1);
        // targets: row a positions 2,3,4 -> 7,8,2; row b positions 1,2 -> 10,2
        double a = nll(logits, 2, 7) + nll(logits, 3, 8) + nll(logits, 4, 2);
        double b = nll(logits, 6, 10) + nll(logits, 7, 2);
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(logits, new Shape(2, 5, V));
            assertThat((double) CausalLmLoss.mean(m, x, BATCH).getFloat()).isCloseTo((a + b) / 5, offset(1e-5));
            assertThat(CausalLmLoss.perSequence(m, x, BATCH).toFloatArray())
                    .containsExactly(
                            new float[] {(float) (a / 3), (float) (b / 2)}, org.assertj.core.data.Offset.offset(1e-5f));
            // the logits at prompt and padding positions do not count at all
            float[] changed = logits.clone();
            for (int p : new int[] {0, 1, 5, 8, 9}) {
                for (int v = 0; v < V; v++) {
                    changed[p * V + v] += (float) (v * 0.7);
                }
            }
            NDArray y = m.create(changed, new Shape(2, 5, V));
            assertThat(CausalLmLoss.mean(m, y, BATCH).getFloat())
                    .isEqualTo(CausalLmLoss.mean(m, x, BATCH).getFloat());
        }
    }

    @Test
    void theGradientIsTheSameWhenAGarbageCollectionRunsBetweenForwardAndBackward() {
        float[] first = gradient(false);
        float[] second = gradient(true);
        assertThat(second).containsExactly(first);
        // d loss / d logit is nonzero only at target positions
        for (int p : new int[] {0, 1, 5, 8, 9}) {
            for (int v = 0; v < V; v++) {
                assertThat(first[p * V + v]).isZero();
            }
        }
        assertThat(first[2 * V + 7]).isNegative();
    }

    private static float[] gradient(boolean collectGarbage) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(randomLogits(2), new Shape(2, 5, V));
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray loss = CausalLmLoss.mean(m, x, BATCH);
                if (collectGarbage) {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                    }
                }
                collector.backward(loss);
            }
            return x.getGradient().toFloatArray();
        }
    }
}
