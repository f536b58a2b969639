package dev.engram.agentmodel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.engram.adapters.NoGradScope;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Greedy decoding with a key/value cache: the prompt is run once, then each new token attends to
 * the cached keys and values. For a smoke check of a model or an adapter (serving against
 * candidate on the same task), not for serving traffic.
 *
 * <pre>{@code
 * long[] plan = new GreedyDecoder(adapted.model()).generate(manager, tokenizer.encode(prompt, true), 64);
 * String text = tokenizer.decode(plan);
 * }</pre>
 */
public final class GreedyDecoder {

    private final LlamaModel model;
    private final Set<Long> stopIds;

    /** Stops at the model's {@code eos_token_id}s. */
    public GreedyDecoder(LlamaModel model) {
        this(model, new HashSet<>(model.config().eosTokenIds()));
    }

    public GreedyDecoder(LlamaModel model, Set<Long> stopIds) {
        this.model = Objects.requireNonNull(model, "model");
        this.stopIds = Set.copyOf(stopIds);
    }

    /**
     * The ids that follow {@code prompt}, at most {@code maxNewTokens}, up to (not including) a stop
     * id.
     */
    public long[] generate(NDManager manager, long[] prompt, int maxNewTokens) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token");
        }
        long[] out = new long[maxNewTokens];
        int n = 0;
        try (NoGradScope noGrad = NoGradScope.enter();
                KvCache cache = new KvCache(manager, model.config().numLayers())) {
            long[] input = prompt;
            while (n < maxNewTokens) {
                long next;
                try (NDManager step = manager.newSubManager()) {
                    NDArray logits = model.forward(step, new TokenBatch(input, 1, input.length), cache, false);
                    next = logits.get(0, input.length - 1).argMax().getLong();
                }
                if (stopIds.contains(next)) {
                    break;
                }
                out[n++] = next;
                input = new long[] {next};
            }
        }
        return Arrays.copyOf(out, n);
    }
}
