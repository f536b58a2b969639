package dev.engram.node.registry;

import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.streams.AdapterPublished;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link AdapterCanary} on a loaded candidate for the registry: against its parent's probe
 * vectors (the serving parent's, or the parent loaded from disk, or the base encoder's when the
 * parent is neither here nor the version it was trained from), and remembers each payload's verdict
 * with the gate's ({@link GateVerdicts}, keys starting {@code canary:}), so that replaying the topic
 * after a restart does not embed the probes through every version again. The probe vectors of the
 * last few versions that passed are kept: the next version is usually trained from one of them, and
 * its parent's vectors are then at hand instead of being embedded again on the swap's path.
 */
final class CanaryCheck {

    private static final Logger log = LoggerFactory.getLogger(CanaryCheck.class);

    private final AdapterCanary canary;
    private final GateVerdicts verdicts;
    private final AdapterLoader loader;
    private final TextEncoder encoder;
    private final Object registryLock;
    private final ProbeBatches batches;
    private final Map<String, float[][]> passed = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, float[][]> eldest) {
            return size() > PASSED_KEPT;
        }
    };
    private float[][] baseProbes;

    /** How many passed versions' probe vectors are kept (about 50 KB each for MiniLM). */
    private static final int PASSED_KEPT = 8;

    CanaryCheck(
            AdapterCanary canary,
            GateVerdicts verdicts,
            AdapterLoader loader,
            TextEncoder encoder,
            Object registryLock) {
        this.canary = canary;
        this.verdicts = verdicts;
        this.loader = loader;
        this.encoder = encoder;
        this.registryLock = registryLock;
        this.batches = ProbeBatches.of(encoder);
    }

    /**
     * Why {@code candidate} must not serve, or empty when it passes.
     *
     * @param served the version of this adapter serving now, if any (the usual parent)
     */
    Optional<String> check(
            AdapterHistory history, AdapterPublished adapter, TenantAdapter candidate, ServingAdapter served) {
        String key = "canary:" + GateVerdicts.key(adapter.adapterName(), adapter.version(), adapter.payloadSha256());
        Optional<PromotionGate.Decision> recorded = verdicts.get(key);
        if (recorded.isPresent()) {
            return recorded.get().promoted()
                    ? Optional.empty()
                    : Optional.of(recorded.get().reason());
        }
        float[][] probes = null;
        String failed = null;
        try {
            probes = batches.embed(candidate.embedder(encoder));
        } catch (RuntimeException e) {
            failed = "canary: embedding the probes failed: " + e;
        }
        // Only the candidate's own failure refuses it; the parent's vectors are fetched outside the catch.
        Optional<String> sick =
                failed != null ? Optional.of(failed) : canary.check(probes, parentVectors(history, adapter, served));
        if (sick.isEmpty()) {
            synchronized (this) {
                passed.put(vectorsKey(adapter.adapterName(), adapter.version(), adapter.payloadSha256()), probes);
            }
        }
        // The canary judges the same payload the same way again: its verdict only saves a replay the probes.
        verdicts.putRecomputable(key, new PromotionGate.Decision(sick.isEmpty(), sick.orElse("canary passed")));
        return sick;
    }

    private float[][] parentVectors(AdapterHistory history, AdapterPublished adapter, ServingAdapter served) {
        Long parentVersion = adapter.parentVersion();
        if (parentVersion != null) {
            float[][] known = knownVectors(history, adapter.adapterName(), parentVersion);
            if (known != null) {
                return known;
            }
            if (served != null && served.version() == parentVersion && served.tryAcquire()) {
                try {
                    return batches.embed(served.queryEmbedder());
                } finally {
                    served.release();
                }
            }
            AdapterHistory.Entry e;
            synchronized (registryLock) {
                e = history.get(parentVersion);
            }
            if (e != null && e.servable() && e.dir() != null) {
                try (TenantAdapter loaded =
                        loader.load(adapter.adapterName(), adapter.tenant(), parentVersion, e.dir())) {
                    return batches.embed(loaded.embedder(encoder));
                } catch (AdapterLoader.Unusable | RuntimeException ex) {
                    log.warn(
                            "the canary could not load {} v{}, the parent of v{} ({}); comparing with the base",
                            adapter.adapterName(),
                            parentVersion,
                            adapter.version(),
                            ex.toString());
                }
            }
        }
        synchronized (this) {
            if (baseProbes == null) {
                baseProbes = batches.embed(encoder);
            }
            return baseProbes;
        }
    }

    /** The probe vectors of {@code version} if it passed here with the payload the history holds for it now. */
    private float[][] knownVectors(AdapterHistory history, String adapterName, long version) {
        AdapterHistory.Entry e;
        synchronized (registryLock) {
            e = history.get(version);
        }
        if (e == null || !e.servable() || e.payloadSha256() == null) {
            return null;
        }
        synchronized (this) {
            return passed.get(vectorsKey(adapterName, version, e.payloadSha256()));
        }
    }

    private static String vectorsKey(String adapterName, long version, String payloadSha256) {
        return GateVerdicts.key(adapterName, version, payloadSha256);
    }
}
