package dev.engram.node.registry;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.Embedder;
import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.TunedEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Embeds the {@link AdapterCanary#PROBES} a few forward passes at a time instead of one per probe:
 * probes of the same length in word pieces go through together, so no batch is padded and each
 * probe sees exactly what a recall of that text alone would (a padded batch could turn a pad token
 * non-finite and blame a probe for it). One pass per probe was most of a swap's latency.
 */
final class ProbeBatches {

    /** Indices into {@link AdapterCanary#PROBES}, grouped by their query length in word pieces. */
    private final List<int[]> groups;

    private ProbeBatches(List<int[]> groups) {
        this.groups = groups;
    }

    /** Groups the probes by their length under {@code encoder}'s tokenizer (with its query prefix). */
    static ProbeBatches of(TextEncoder encoder) {
        Map<Integer, List<Integer>> byLength = new TreeMap<>();
        for (int i = 0; i < AdapterCanary.PROBES.size(); i++) {
            int length = encoder.tokenizeQueries(List.of(AdapterCanary.PROBES.get(i)))
                    .length();
            byLength.computeIfAbsent(length, k -> new ArrayList<>()).add(i);
        }
        List<int[]> groups = new ArrayList<>();
        byLength.values()
                .forEach(g -> groups.add(g.stream().mapToInt(Integer::intValue).toArray()));
        return new ProbeBatches(List.copyOf(groups));
    }

    /** How many forward passes {@link #embed} makes for an embedder that takes batches. */
    int passes() {
        return groups.size();
    }

    /**
     * The probes' vectors by {@code embedder}'s query tower, in {@link AdapterCanary#PROBES} order;
     * throws what the embedder throws. An embedder that takes no batches embeds one probe at a time.
     */
    float[][] embed(Embedder embedder) {
        float[][] out = new float[AdapterCanary.PROBES.size()][];
        try (NoGradScope ignored = NoGradScope.enter()) {
            for (int[] group : groups) {
                List<String> texts = new ArrayList<>(group.length);
                for (int i : group) {
                    texts.add(AdapterCanary.PROBES.get(i));
                }
                List<float[]> vectors = batch(embedder, texts);
                for (int k = 0; k < group.length; k++) {
                    out[group[k]] = vectors.get(k);
                }
            }
        }
        return out;
    }

    private static List<float[]> batch(Embedder embedder, List<String> texts) {
        // The registry's versions carry no instruction, so a tuned embedder's texts keep these lengths.
        if (embedder instanceof TunedEmbedder tuned) {
            return tuned.embedQueries(texts);
        }
        if (embedder instanceof TextEncoder encoder) {
            return encoder.embedQueries(texts);
        }
        List<float[]> out = new ArrayList<>(texts.size());
        texts.forEach(t -> out.add(embedder.embedQuery(t)));
        return out;
    }
}
