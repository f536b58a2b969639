package dev.engram.agentmodel;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.engram.adapters.NoGradScope;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoding with the key/value cache gives what recomputing the whole sequence gives. */
class GreedyDecoderTest {

    private static NDManager manager;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    @Test
    void cachedStepsGiveTheLogitsOfAFullForwardAndTheSameTokens() throws Exception {
        TinyLlama.Spec spec = TinyLlama.Spec.gqa();
        try (LlamaModel model = LlamaModel.load(TinyLlama.write(dir.resolve("m"), spec, List.of("a")), manager)) {
            long[] prompt = {1, 17, 33, 5, 9};
            long[] generated = new GreedyDecoder(model, Set.of()).generate(manager, prompt, 12);
            assertThat(generated).hasSize(12);

            // the same tokens, recomputing the whole sequence at every step
            long[] seq = prompt;
            for (int i = 0; i < 12; i++) {
                float[] logits = LlamaModelTest.logitsWith(manager, model, new TokenBatch(seq, 1, seq.length));
                int last = (seq.length - 1) * spec.vocab();
                int best = 0;
                for (int v = 1; v < spec.vocab(); v++) {
                    if (logits[last + v] > logits[last + best]) {
                        best = v;
                    }
                }
                seq = Arrays.copyOf(seq, seq.length + 1);
                seq[seq.length - 1] = best;
            }
            assertThat(Arrays.copyOfRange(seq, prompt.length, seq.length)).containsExactly(generated);

            // and each cached step's logits are the full forward's at that position
            float[] full = LlamaModelTest.logitsWith(manager, model, new TokenBatch(seq, 1, seq.length));
            try (NoGradScope noGrad = NoGradScope.enter();
                    KvCache cache = new KvCache(manager, spec.layers())) {
                long[] input = prompt;
                int position = 0;
                while (position + input.length <= seq.length) {
                    try (NDManager step = manager.newSubManager()) {
                        NDArray logits = model.forward(step, new TokenBatch(input, 1, input.length), cache, false);
                        float[] got = logits.toFloatArray();
                        for (int i = 0; i < got.length; i++) {
                            assertThat((double) got[i])
                                    .isCloseTo(
                                            full[position * spec.vocab() + i],
                                            org.assertj.core.data.Offset.offset(1e-5));
                        }
                    }
                    position += input.length;
                    if (position == seq.length) {
                        break;
                    }
                    input = new long[] {seq[position]};
                }
                assertThat(cache.length()).isEqualTo(seq.length);
            }
        }
    }

    @Test
    void decodingStopsAtTheEndOfSequenceId() throws Exception {
        TinyLlama.Spec spec = TinyLlama.Spec.gqa();
        try (LlamaModel model = LlamaModel.load(TinyLlama.write(dir.resolve("m"), spec, List.of("a")), manager)) {
            long[] prompt = {1, 17, 33};
            long[] free = new GreedyDecoder(model, Set.of()).generate(manager, prompt, 6);
            long[] stopped = new GreedyDecoder(model, Set.of(free[2])).generate(manager, prompt, 6);
            int firstStop = 0;
            while (free[firstStop] != free[2]) {
                firstStop++;
            }
            assertThat(stopped).containsExactly(Arrays.copyOf(free, firstStop));
        }
    }
}
