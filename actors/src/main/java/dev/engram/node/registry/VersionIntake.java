package dev.engram.node.registry;

import dev.engram.retriever.TextEncoder;
import dev.engram.retriever.eval.PairedTest;
import dev.engram.retriever.ranking.RankerPolicy;
import dev.engram.retriever.tuning.TenantAdapter;
import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import dev.engram.streams.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's admission of a published version, the path each one read from
 * {@code engram.adapters} takes before it may serve: who proposed it ({@link AdapterAdmission};
 * nothing of a refused record is written or loaded), its files loaded against the node's encoder,
 * the {@link AdapterCanary}, its ranker policy, and the {@link PromotionGate}'s decision (measured
 * by this node on the tenant's held-out tasks when it can, else on the worker's signed figures).
 * What it decides is listed in the adapter's {@link AdapterHistory}; the registry then swaps what
 * serves. An agent-model version is only listed ({@link AgentModelVersions}).
 *
 * <p>Used on the registry's reader thread; histories are read and changed under the registry's lock.
 */
final class VersionIntake {

    private static final Logger log = LoggerFactory.getLogger(VersionIntake.class);

    private final AdapterRegistry registry;
    private final Object lock;
    private final Map<String, AdapterHistory> histories;
    private final AgentModelVersions agentModels;
    private final AdapterAdmission admission;
    private final AdapterLoader loader;
    private final CanaryCheck canary;
    private final PromotionGate gate;
    private final CandidateEvaluation evaluation;
    private final GateVerdicts verdicts;
    private final AdapterFileRetention files;
    private final ServingTable serving;
    private final TextEncoder encoder;

    /**
     * @param registry whose lock guards {@code histories} and {@code agentModels}, and which swaps
     * @param canary null on a node without an encoder
     * @param evaluation null to decide on the figures the worker published
     */
    VersionIntake(
            AdapterRegistry registry,
            Map<String, AdapterHistory> histories,
            AgentModelVersions agentModels,
            AdapterAdmission admission,
            AdapterLoader loader,
            CanaryCheck canary,
            PromotionGate gate,
            CandidateEvaluation evaluation,
            GateVerdicts verdicts,
            AdapterFileRetention files,
            ServingTable serving,
            TextEncoder encoder) {
        this.registry = registry;
        this.lock = registry;
        this.histories = histories;
        this.agentModels = agentModels;
        this.admission = admission;
        this.loader = loader;
        this.canary = canary;
        this.gate = gate;
        this.evaluation = evaluation;
        this.verdicts = verdicts;
        this.files = files;
        this.serving = serving;
        this.encoder = encoder;
    }

    /**
     * Admits, verifies and gates one retriever or agent-model version, then lets the registry swap
     * if what serves changed.
     *
     * @param replay the plan of what deserves its checks while replaying what was on the topic at
     *     start; null for a version read live or read back to be checked
     */
    void adapter(AdapterPublished adapter, long offset, long polled, ReplayPlan replay) {
        if (adapter.kind() == AdapterKind.AGENT_MODEL) {
            agentModel(adapter, offset);
            return;
        }
        synchronized (lock) {
            if (agentModels.has(adapter.adapterName())) {
                log.warn(
                        "skipped retriever adapter {} v{} at offset {}: {} is an agent-model adapter's name",
                        adapter.adapterName(),
                        adapter.version(),
                        offset,
                        adapter.adapterName());
                return;
            }
        }
        long started = System.nanoTime();
        TenantAdapter fresh = null;
        AdapterHistory.Entry entry;
        AdapterHistory.Entry previous;
        AdapterHistory history;
        String adapterTenant;
        synchronized (lock) {
            history = histories.computeIfAbsent(adapter.adapterName(), AdapterHistory::new);
            previous = history.get(adapter.version());
            adapterTenant = history.tenant();
        }
        // Who proposes it comes first: nothing of a refused record is written to disk or loaded.
        Optional<String> refused = admission.refusal(adapter, adapterTenant);
        if (refused.isPresent()) {
            refuse(history, adapter, previous, offset, refused.get());
            return;
        }
        if (replay != null
                && (previous == null || previous.unchecked())
                && !replay.worthChecking(adapter.adapterName(), adapter.version())) {
            synchronized (lock) {
                history.made(adapter.version(), adapter.createdAt());
                history.put(
                        adapter.tenant(),
                        AdapterHistory.Entry.unchecked(
                                adapter.version(),
                                adapter.metrics(),
                                adapter.payloadSha256(),
                                offset,
                                "not checked: a trusted worker signed it, but a newer version was on "
                                        + Topics.ADAPTERS + " when this node started; it is checked (files, canary, "
                                        + "gate) if it could serve: pinned, rolled back to, or a newer one fails",
                                adapter.method()));
            }
            return;
        }
        Path dir = null;
        String invalid = null;
        boolean reuse = previous != null
                && previous.verified()
                && previous.dir() != null
                && previous.payloadSha256() != null
                && previous.payloadSha256().equals(adapter.payloadSha256());
        if (reuse) {
            dir = previous.dir();
        } else {
            Path staged = null;
            try {
                staged = loader.stage(adapter);
                fresh = loader.verify(adapter, staged);
                Optional<String> sick = fresh == null
                        ? Optional.empty()
                        : canary.check(history, adapter, fresh, serving.servedBy(adapter.adapterName()));
                if (sick.isPresent()) {
                    ServingTable.closeQuietly(fresh);
                    fresh = null;
                    throw new AdapterLoader.Unusable(sick.get(), null);
                }
                dir = loader.install(staged, adapter.version());
            } catch (AdapterLoader.Unusable e) {
                invalid = e.getMessage();
                files.discard(staged);
            } catch (java.io.IOException e) {
                ServingTable.closeQuietly(fresh);
                fresh = null;
                files.discard(staged);
                invalid = "could not write the adapter's files under the node's data directory: " + e.getMessage();
            }
        }
        RankerPolicy policy = null;
        if (invalid == null) {
            try {
                policy = adapter.file(AdapterFile.RANKER_POLICY)
                        .map(f -> RankerPolicy.fromJson(new String(f.bytes(), StandardCharsets.UTF_8)))
                        .orElse(RankerPolicy.untuned());
            } catch (RuntimeException e) {
                invalid = AdapterFile.RANKER_POLICY + ": " + e.getMessage();
            }
        }
        long verified = System.nanoTime();
        AdapterStatus status;
        String reason;
        if (invalid != null) {
            status = AdapterStatus.REJECTED;
            reason = invalid;
        } else {
            PromotionGate.Decision d = decide(adapter, fresh, policy);
            status = d.promoted() ? AdapterStatus.PROMOTED : AdapterStatus.REJECTED;
            reason = d.reason();
        }
        if (invalid != null && previous != null && previous.verified()) {
            log.warn(
                    "{} v{} at offset {} is unusable ({}); keeping the verified copy read earlier",
                    adapter.adapterName(),
                    adapter.version(),
                    offset,
                    invalid);
            return;
        }
        entry = new AdapterHistory.Entry(
                adapter.version(),
                status,
                reason,
                adapter.metrics(),
                adapter.payloadSha256(),
                invalid == null,
                offset,
                dir,
                policy,
                false,
                false,
                adapter.method());
        log.info(
                "adapter {} v{} for tenant {}: {} ({})",
                adapter.adapterName(),
                adapter.version(),
                adapter.tenant(),
                status,
                reason);
        synchronized (lock) {
            history.made(adapter.version(), adapter.createdAt());
            history.put(adapter.tenant(), entry);
        }
        registry.swapIfChanged(history, fresh, polled, started, verified);
        files.removeOld(history);
    }

    /**
     * An agent-model adapter is listed, never loaded: nothing of it is written to disk, and it
     * touches no retriever adapter's history, canary or gate.
     */
    private void agentModel(AdapterPublished adapter, long offset) {
        synchronized (lock) {
            if (histories.containsKey(adapter.adapterName())) {
                log.warn(
                        "skipped agent-model adapter {} v{} at offset {}: {} is a retriever adapter's name",
                        adapter.adapterName(),
                        adapter.version(),
                        offset,
                        adapter.adapterName());
                return;
            }
            Optional<String> refused = admission.refusal(adapter, agentModels.tenant(adapter.adapterName()));
            agentModels.put(adapter, refused);
            log.info(
                    "agent-model adapter {} v{} for tenant {} at offset {}: listed, not loaded ({})",
                    adapter.adapterName(),
                    adapter.version(),
                    adapter.tenant(),
                    offset,
                    refused.orElse(adapter.planLoss().promote() ? "gate promoted" : "gate rejected"));
        }
    }

    /** Lists a refused version as rejected, unless a version read earlier under its key was admitted and verified. */
    private void refuse(
            AdapterHistory history,
            AdapterPublished adapter,
            AdapterHistory.Entry previous,
            long offset,
            String reason) {
        if (previous != null && previous.verified()) {
            log.warn(
                    "{} v{} at offset {} refused ({}); the version read earlier under its key stays",
                    adapter.adapterName(),
                    adapter.version(),
                    offset,
                    reason);
            return;
        }
        synchronized (lock) {
            history.put(
                    null,
                    new AdapterHistory.Entry(
                            adapter.version(),
                            AdapterStatus.REJECTED,
                            reason,
                            adapter.metrics(),
                            adapter.payloadSha256(),
                            false,
                            offset,
                            null,
                            null));
        }
        log.warn(
                "adapter {} v{} for tenant {} refused: {}",
                adapter.adapterName(),
                adapter.version(),
                adapter.tenant(),
                reason);
    }

    /**
     * The gate: its own paired measurement of the candidate against the serving version when it can
     * make one, else the worker's figures.
     */
    private PromotionGate.Decision decide(AdapterPublished adapter, TenantAdapter candidate, RankerPolicy policy) {
        String key = GateVerdicts.key(adapter.adapterName(), adapter.version(), adapter.payloadSha256());
        Optional<PromotionGate.Decision> recorded = verdicts.get(key);
        if (recorded.isPresent()) {
            return recorded.get();
        }
        // A policy-only version ranks over the base encoder: the gate scores its policy there.
        boolean scorable = candidate != null || !adapter.method().hasAdapter();
        if (evaluation != null && scorable && encoder != null) {
            ServingAdapter current = serving.acquire(adapter.tenant());
            try {
                ServingAdapter scored = ServingAdapter.candidate(
                        adapter.tenant(),
                        adapter.adapterName(),
                        adapter.version(),
                        candidate == null ? encoder : candidate.embedder(encoder),
                        policy);
                Optional<PairedTest> test = evaluation.evaluate(scored, current);
                if (test.isPresent()) {
                    PromotionGate.Decision measured = gate.decide(test.get(), current.label());
                    verdicts.put(key, measured);
                    return measured;
                }
            } catch (RuntimeException e) {
                log.warn(
                        "the gate could not score {} v{} itself ({}); deciding on the published figures",
                        adapter.adapterName(),
                        adapter.version(),
                        e.toString());
            } finally {
                current.release();
            }
        }
        return gate.decide(adapter.metrics());
    }
}
