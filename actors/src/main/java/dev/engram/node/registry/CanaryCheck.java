package dev.engram.node.registry;

import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.streams.AdapterPublished;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link AdapterCanary} on a loaded candidate for the registry: against its parent's probe
 * vectors (the serving parent's, or the parent loaded from disk, or the base encoder's when the
 * parent is neither here nor the version it was trained from), and remembers each payload's verdict
 * with the gate's ({@link GateVerdicts}, keys starting {@code canary:}), so that replaying the topic
 * after a restart does not embed the probes through every version again.
 */
final class CanaryCheck {

    private static final Logger log = LoggerFactory.getLogger(CanaryCheck.class);

    private final AdapterCanary canary;
    private final GateVerdicts verdicts;
    private final AdapterLoader loader;
    private final TextEncoder encoder;
    private final Object registryLock;
    private float[][] baseProbes;

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
        Optional<String> sick = canary.check(candidate.embedder(encoder), parentVectors(history, adapter, served));
        verdicts.put(key, new PromotionGate.Decision(sick.isEmpty(), sick.orElse("canary passed")));
        return sick;
    }

    private float[][] parentVectors(AdapterHistory history, AdapterPublished adapter, ServingAdapter served) {
        Long parentVersion = adapter.parentVersion();
        if (parentVersion != null) {
            if (served != null && served.version() == parentVersion && served.tryAcquire()) {
                try {
                    return canary.vectors(served.queryEmbedder());
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
                    return canary.vectors(loaded.embedder(encoder));
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
                baseProbes = canary.vectors(encoder);
            }
            return baseProbes;
        }
    }
}
