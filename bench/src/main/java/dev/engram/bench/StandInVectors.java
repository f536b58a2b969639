package dev.engram.bench;

import dev.engram.adapters.NoGradScope;
import dev.engram.retriever.TextEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.lucene.util.VectorUtil;

/**
 * Case vectors for the hybrid recall bench: real MiniLM vectors of the Cranfield sentences, and a
 * case's stand-in vector made from them (the normalised sum of its sentences' vectors), with the
 * figures that show how far the stand-in is from the real thing.
 */
final class StandInVectors {
    private StandInVectors() {}

    /**
     * The real MiniLM vector of every sentence, read from {@code cache} when it holds as many (a file
     * an earlier run wrote for the same sentences; null: no cache), else embedded (and written there).
     */
    static List<float[]> sentenceVectors(TextEncoder encoder, List<String> sentences, String cache) throws IOException {
        Path file = cache == null ? null : Path.of(cache);
        int dim = encoder.dimension();
        if (file != null && Files.exists(file)) {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            if (bytes.remaining() == (long) sentences.size() * dim * Float.BYTES) {
                java.nio.FloatBuffer floats = bytes.asFloatBuffer();
                List<float[]> out = new ArrayList<>(sentences.size());
                for (int i = 0; i < sentences.size(); i++) {
                    float[] v = new float[dim];
                    floats.get(v);
                    out.add(v);
                }
                System.out.printf(Locale.ROOT, "read the vectors of %,d sentences from %s%n", out.size(), file);
                return out;
            }
        }
        long t0 = System.nanoTime();
        List<float[]> out = embed(encoder, sentences);
        System.out.printf(
                Locale.ROOT,
                "embedded %,d Cranfield sentences in %.1f s%n",
                sentences.size(),
                (System.nanoTime() - t0) / 1e9);
        if (file != null) {
            ByteBuffer bytes =
                    ByteBuffer.allocate(out.size() * dim * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] v : out) {
                for (float f : v) {
                    bytes.putFloat(f);
                }
            }
            Files.write(file, bytes.array());
        }
        return out;
    }

    static List<float[]> embed(TextEncoder encoder, List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        try (NoGradScope ignored = NoGradScope.enter()) {
            for (int from = 0; from < texts.size(); from += 512) {
                out.addAll(encoder.embedDocuments(texts.subList(from, Math.min(texts.size(), from + 512))));
            }
        }
        return out;
    }

    /** The normalised sum of the real vectors of a case's sentences. */
    static float[] standIn(int[] sentenceIds, List<float[]> sentenceVectors) {
        float[] sum = new float[sentenceVectors.get(0).length];
        for (int id : sentenceIds) {
            float[] v = sentenceVectors.get(id);
            for (int d = 0; d < sum.length; d++) {
                sum[d] += v[d];
            }
        }
        return VectorUtil.l2normalize(sum);
    }

    static void printFidelity(double[] agreement, List<float[]> realVectors, float[][] standIns, Random r) {
        if (agreement.length < 2) {
            return;
        }
        double[] a = agreement.clone();
        Arrays.sort(a);
        double[] realPairs = new double[2_000];
        double[] standInPairs = new double[realPairs.length];
        for (int p = 0; p < realPairs.length; p++) {
            int i = r.nextInt(agreement.length);
            int j = (i + 1 + r.nextInt(agreement.length - 1)) % agreement.length;
            realPairs[p] = VectorUtil.dotProduct(realVectors.get(i), realVectors.get(j));
            standInPairs[p] = VectorUtil.dotProduct(standIns[i], standIns[j]);
        }
        Arrays.sort(realPairs);
        Arrays.sort(standInPairs);
        System.out.printf(
                Locale.ROOT,
                "stand-in vs real vector of the same case (%,d cases): cosine p5 %.3f, median %.3f, mean %.3f%n",
                a.length,
                a[(int) (a.length * 0.05)],
                a[a.length / 2],
                Arrays.stream(a).average().orElse(0));
        System.out.printf(
                Locale.ROOT,
                "cosine between two random cases (p5 / median / p95): real %.3f / %.3f / %.3f, stand-in %.3f / %.3f /"
                        + " %.3f%n",
                realPairs[100],
                realPairs[1_000],
                realPairs[1_900],
                standInPairs[100],
                standInPairs[1_000],
                standInPairs[1_900]);
    }
}
