package dev.engram.agentmodel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Examples split into training and held-out by their episode id alone, so an episode falls on the
 * same side in every round: an episode held out once is never trained on later.
 *
 * <pre>{@code
 * ExampleSplit split = ExampleSplit.byEpisode(set.examples(), 0.2);
 * trainer.train(model, split.train(), dir);
 * gate.judge(candidate, serving, split.heldOut(), 8, manager);
 * }</pre>
 *
 * @param train the examples to train on
 * @param heldOut the examples the gate scores
 */
public record ExampleSplit(List<SftExample> train, List<SftExample> heldOut) {

    public ExampleSplit {
        train = List.copyOf(train);
        heldOut = List.copyOf(heldOut);
    }

    /**
     * Holds out the episodes whose id hashes below {@code heldOutFraction} (64-bit FNV-1a of the
     * UTF-8 id, then MurmurHash3's 64-bit finaliser so that ids differing only at the end spread,
     * as a fraction of 2⁶⁴).
     */
    public static ExampleSplit byEpisode(List<SftExample> examples, double heldOutFraction) {
        if (!(heldOutFraction >= 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("heldOutFraction must be in [0, 1), was " + heldOutFraction);
        }
        List<SftExample> train = new ArrayList<>();
        List<SftExample> heldOut = new ArrayList<>();
        for (SftExample e : examples) {
            (isHeldOut(e.episodeId(), heldOutFraction) ? heldOut : train).add(e);
        }
        return new ExampleSplit(train, heldOut);
    }

    /** Whether an episode id falls on the held-out side at {@code heldOutFraction}. */
    public static boolean isHeldOut(String episodeId, double heldOutFraction) {
        long h = 0xcbf29ce484222325L;
        for (byte b : episodeId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        double unit = (h >>> 11) * 0x1.0p-53;
        return unit < heldOutFraction;
    }
}
