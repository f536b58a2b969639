package dev.engram.node.registry;

import dev.engram.adapters.NoGradScope;
import dev.engram.memory.Embedder;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The check a version passes before it may serve: it embeds a fixed set of short probe texts with
 * the version's query tower and refuses it when the outputs could not serve recall. Loading a
 * version only proves its tensors have the right names, shapes and finite values; weights that are
 * finite but huge (3e38) load fine and then turn every query into NaN.
 *
 * <ul>
 *   <li><b>non-finite</b>: a probe embeds to NaN or infinity, or embedding it throws;</li>
 *   <li><b>collapsed</b>: the probes' mean pairwise cosine is at least {@link #maxMeanPairwiseCosine}
 *       (every query would look alike; the base MiniLM's is about 0.03 on these probes);</li>
 *   <li><b>drifted</b>: the mean cosine between each probe's vector and the parent's vector for it
 *       is below {@link #minMeanCosineToParent} (the parent is the version it was trained from, or
 *       the base encoder). Tuning moves a query tower a little; this far means it is another model.</li>
 * </ul>
 *
 * <pre>{@code
 * AdapterCanary canary = AdapterCanary.defaults();
 * Optional<String> refused = canary.check(candidate.embedder(encoder), canary.vectors(parentEmbedder));
 * }</pre>
 *
 * @param maxMeanPairwiseCosine at or above it the probes have collapsed, in (0, 1]
 * @param minMeanCosineToParent below it the version drifted too far from its parent, in [-1, 1)
 */
record AdapterCanary(double maxMeanPairwiseCosine, double minMeanCosineToParent) {

    /** Default collapse threshold: 0.95. */
    static final double DEFAULT_MAX_MEAN_PAIRWISE_COSINE = 0.95;

    /** Default drift threshold: 0.5. */
    static final double DEFAULT_MIN_MEAN_COSINE_TO_PARENT = 0.5;

    /**
     * Short, varied texts (questions, commands and statements from unrelated fields), each eight
     * word pieces long under MiniLM's tokenizer, [CLS] and [SEP] included: they go through the
     * candidate in one batch on the swap's path, where their cost is what a swap waits for, and
     * texts of one length need no padding. Sixteen of them judge as the 32 longer ones used to: on
     * 108 random LoRA updates of the query, value or both projections at 12 strengths, from a
     * harmless tuning to a wrecked tower, both sets refused the same ones, and the mean cosine to
     * the parent differed by at most 0.05.
     */
    static final List<String> PROBES = List.of(
            "boundary layer on a flat plate",
            "customer says the parcel arrived damaged",
            "how do I reset my password",
            "refund a duplicate card charge",
            "schedule a meeting for next tuesday",
            "what is the capital of australia",
            "recipe for a quick vegetable soup",
            "symptoms of iron deficiency in adults",
            "the printer shows a paper jam",
            "shock wave interaction with a cone",
            "python list comprehension with a condition",
            "best month to plant tomatoes outside",
            "the app crashes when uploading",
            "explain gradient descent to a child",
            "noise from a jet engine exhaust",
            "book a table for four tonight");

    AdapterCanary {
        if (!(maxMeanPairwiseCosine > 0 && maxMeanPairwiseCosine <= 1)) {
            throw new IllegalArgumentException("maxMeanPairwiseCosine must be in (0, 1], was " + maxMeanPairwiseCosine);
        }
        if (!(minMeanCosineToParent >= -1 && minMeanCosineToParent < 1)) {
            throw new IllegalArgumentException(
                    "minMeanCosineToParent must be in [-1, 1), was " + minMeanCosineToParent);
        }
    }

    static AdapterCanary defaults() {
        return new AdapterCanary(DEFAULT_MAX_MEAN_PAIRWISE_COSINE, DEFAULT_MIN_MEAN_COSINE_TO_PARENT);
    }

    /** Why {@code candidate} must not serve, or empty when it passes; {@code parent} is {@link #vectors} of its parent. */
    Optional<String> check(Embedder candidate, float[][] parent) {
        float[][] probes = new float[PROBES.size()][];
        for (int i = 0; i < probes.length; i++) {
            String probe = PROBES.get(i);
            try (NoGradScope ignored = NoGradScope.enter()) {
                probes[i] = candidate.embedQuery(probe);
            } catch (RuntimeException e) {
                return Optional.of("canary: embedding the probe '" + probe + "' failed: " + e);
            }
        }
        return check(probes, parent);
    }

    /**
     * Why a version whose query tower embedded the {@link #PROBES} to {@code probes} (in order) must
     * not serve, or empty when it passes; {@code parent} is {@link #vectors} of its parent.
     */
    Optional<String> check(float[][] probes, float[][] parent) {
        if (probes.length != PROBES.size()) {
            throw new IllegalArgumentException(
                    "the canary needs a vector for each of its " + PROBES.size() + " probes, got " + probes.length);
        }
        for (int i = 0; i < probes.length; i++) {
            String probe = PROBES.get(i);
            if (!finite(probes[i])) {
                return Optional.of("canary: the probe '" + probe + "' embeds to non-finite values (NaN or infinity): "
                        + "the weights overflow the query tower");
            }
            if (norm(probes[i]) == 0) {
                return Optional.of("canary: the probe '" + probe + "' embeds to a zero vector");
            }
        }
        double pairwise = meanPairwiseCosine(probes);
        if (pairwise >= maxMeanPairwiseCosine) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "canary: the probes collapse to nearly one vector (mean "
                            + "pairwise cosine %.3f >= %.2f): every query would look alike",
                    pairwise,
                    maxMeanPairwiseCosine));
        }
        double toParent = 0;
        int compared = 0;
        for (int i = 0; i < probes.length; i++) {
            if (finite(parent[i])) {
                toParent += cosine(probes[i], parent[i]);
                compared++;
            }
        }
        toParent = compared == 0 ? 1 : toParent / compared; // a parent that cannot embed sets no bar
        if (toParent < minMeanCosineToParent) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "canary: drifted far from its parent (mean cosine to the " + "parent's probe vectors %.3f < %.2f)",
                    toParent,
                    minMeanCosineToParent));
        }
        return Optional.empty();
    }

    /** The probes' vectors by a version that serves (the parent to compare candidates with). */
    float[][] vectors(Embedder embedder) {
        float[][] out = new float[PROBES.size()][];
        try (NoGradScope ignored = NoGradScope.enter()) {
            for (int i = 0; i < out.length; i++) {
                out[i] = embedder.embedQuery(PROBES.get(i));
            }
        }
        return out;
    }

    static boolean finite(float[] v) {
        if (v == null) {
            return false;
        }
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static double norm(float[] v) {
        double n = 0;
        for (float x : v) {
            n += (double) x * x;
        }
        return Math.sqrt(n);
    }

    private static double meanPairwiseCosine(float[][] v) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < v.length; i++) {
            for (int j = i + 1; j < v.length; j++) {
                sum += cosine(v[i], v[j]);
                n++;
            }
        }
        return sum / n;
    }

    private static double cosine(float[] a, float[] b) {
        if (a == null || b == null || a.length != b.length) {
            return 0;
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
