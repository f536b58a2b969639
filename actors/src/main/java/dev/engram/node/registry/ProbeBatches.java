package dev.engram.node.registry;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.Embedder;
import dev.engram.retriever.TextEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Embeds the {@link AdapterCanary#PROBES} in one forward pass instead of one per probe (one pass per
 * probe was most of a swap's latency). They are all one length under MiniLM's tokenizer, so nothing
 * is padded; texts of several lengths are padded to the longest, which changes nothing of a text's
 * vector as long as the pad tokens' own states stay finite: padded keys get zero attention and
 * pooling skips them. A query tower that turns a pad token non-finite would blame
 * the probes beside it, so when any vector comes back non-finite the probes are embedded again
 * unpadded, those of the same length in word pieces together, and that verdict stands: each probe
 * then sees exactly what a recall of that text alone would.
 */
final class ProbeBatches {

    private final List<String> probes;
    /** Indices into {@link #probes}, grouped by their query length in word pieces. */
    private final List<int[]> groups;

    private ProbeBatches(List<String> probes, List<int[]> groups) {
        this.probes = probes;
        this.groups = groups;
    }

    /** The canary's probes grouped by their length under {@code encoder}'s tokenizer (with its query prefix). */
    static ProbeBatches of(TextEncoder encoder) {
        return of(encoder, AdapterCanary.PROBES);
    }

    /** {@code probes} grouped by their length under {@code encoder}'s tokenizer (with its query prefix). */
    static ProbeBatches of(TextEncoder encoder, List<String> probes) {
        Map<Integer, List<Integer>> byLength = new TreeMap<>();
        for (int i = 0; i < probes.size(); i++) {
            int length = encoder.tokenizeQueries(List.of(probes.get(i))).length();
            byLength.computeIfAbsent(length, k -> new ArrayList<>()).add(i);
        }
        List<int[]> groups = new ArrayList<>();
        byLength.values()
                .forEach(g -> groups.add(g.stream().mapToInt(Integer::intValue).toArray()));
        return new ProbeBatches(List.copyOf(probes), List.copyOf(groups));
    }

    /** How many forward passes the unpadded embedding makes for an embedder that takes batches. */
    int unpaddedPasses() {
        return groups.size();
    }

    /**
     * The probes' vectors by {@code embedder}'s query tower, in order;
     * throws what the embedder throws. An embedder that takes no batches embeds one probe at a time.
     */
    float[][] embed(Embedder embedder) {
        try (NoGradScope ignored = NoGradScope.enter()) {
            float[][] padded = embedder.embedQueries(probes).toArray(float[][]::new);
            for (float[] v : padded) {
                if (!AdapterCanary.finite(v)) {
                    return unpadded(embedder);
                }
            }
            return padded;
        }
    }

    /** The probes' vectors with no batch padded: the faithful verdict when the padded pass was not finite. */
    float[][] unpadded(Embedder embedder) {
        float[][] out = new float[probes.size()][];
        try (NoGradScope ignored = NoGradScope.enter()) {
            for (int[] group : groups) {
                List<String> texts = new ArrayList<>(group.length);
                for (int i : group) {
                    texts.add(probes.get(i));
                }
                // The registry's versions carry no instruction, so a tuned embedder's texts keep these lengths.
                List<float[]> vectors = embedder.embedQueries(texts);
                for (int k = 0; k < group.length; k++) {
                    out[group[k]] = vectors.get(k);
                }
            }
        }
        return out;
    }
}
