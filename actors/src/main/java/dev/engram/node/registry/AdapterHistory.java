package dev.engram.node.registry;

import dev.engram.retriever.ranking.RankerPolicy;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterKind;
import dev.engram.streams.AdapterMethod;
import dev.engram.streams.AdapterMetrics;
import dev.engram.streams.AdapterStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The versions of one adapter and the operator control in force, and from them the version to
 * serve. Pure state, fed in topic order (offsets of one adapter are comparable: all its records
 * share a partition), so every node that reads the topic computes the same serving version.
 */
final class AdapterHistory {

    /**
     * One version as this node knows it: its decided status, where its files are ({@code dir} null
     * once removed from disk), the ranker policy published with it, whether it failed while
     * serving (then it never serves again on this node: recall fell back from it), and whether it
     * is still unchecked (a trusted worker signed it, but a newer version was already on the topic
     * when this node started, so its files were neither loaded nor canary-checked nor gated: it is
     * checked when it could serve). {@code method} is what the version carries: LoRA weights, or
     * only its ranker policy ({@link AdapterMethod#POLICY_ONLY}, served over the base encoder's
     * query tower); {@code null} when the record could not be read.
     */
    record Entry(
            long version,
            AdapterStatus status,
            String reason,
            AdapterMetrics metrics,
            String payloadSha256,
            boolean verified,
            long offset,
            Path dir,
            RankerPolicy policy,
            boolean failed,
            boolean unchecked,
            AdapterMethod method) {
        Entry {
            policy = policy == null ? RankerPolicy.untuned() : policy;
        }

        Entry(
                long version,
                AdapterStatus status,
                String reason,
                AdapterMetrics metrics,
                String payloadSha256,
                boolean verified,
                long offset,
                Path dir,
                RankerPolicy policy,
                boolean failed,
                boolean unchecked) {
            this(
                    version,
                    status,
                    reason,
                    metrics,
                    payloadSha256,
                    verified,
                    offset,
                    dir,
                    policy,
                    failed,
                    unchecked,
                    null);
        }

        Entry(
                long version,
                AdapterStatus status,
                String reason,
                AdapterMetrics metrics,
                String payloadSha256,
                boolean verified,
                long offset,
                Path dir,
                RankerPolicy policy,
                boolean failed) {
            this(version, status, reason, metrics, payloadSha256, verified, offset, dir, policy, failed, false);
        }

        /** An admitted version left unchecked while replaying the topic: listed, never served as it is. */
        static Entry unchecked(
                long version,
                AdapterMetrics metrics,
                String payloadSha256,
                long offset,
                String why,
                AdapterMethod method) {
            return new Entry(
                    version,
                    AdapterStatus.CANDIDATE,
                    why,
                    metrics,
                    payloadSha256,
                    false,
                    offset,
                    null,
                    null,
                    false,
                    true,
                    method);
        }

        Entry(
                long version,
                AdapterStatus status,
                String reason,
                AdapterMetrics metrics,
                String payloadSha256,
                boolean verified,
                long offset,
                Path dir,
                RankerPolicy policy) {
            this(version, status, reason, metrics, payloadSha256, verified, offset, dir, policy, false);
        }

        Entry withoutFiles() {
            return new Entry(
                    version,
                    status,
                    reason,
                    metrics,
                    payloadSha256,
                    verified,
                    offset,
                    null,
                    policy,
                    failed,
                    unchecked,
                    method);
        }

        Entry withFiles(Path dir) {
            return new Entry(
                    version,
                    status,
                    reason,
                    metrics,
                    payloadSha256,
                    verified,
                    offset,
                    dir,
                    policy,
                    failed,
                    unchecked,
                    method);
        }

        /** Failed while serving: rejected with {@code why}, never served again. */
        Entry failedWhileServing(String why) {
            return new Entry(
                    version,
                    AdapterStatus.REJECTED,
                    why,
                    metrics,
                    payloadSha256,
                    verified,
                    offset,
                    dir,
                    policy,
                    true,
                    false,
                    method);
        }

        /** Whether it carries only a ranker policy, no adapter: it serves over the base encoder. */
        boolean policyOnly() {
            return method != null && !method.hasAdapter();
        }

        /** Whether it may serve at all: its files verified and it has not failed while serving. */
        boolean servable() {
            return verified && !failed;
        }

        AdapterVersionView view(Long serving, Instant createdAt) {
            return new AdapterVersionView(
                    version,
                    status,
                    reason,
                    metrics,
                    null,
                    payloadSha256,
                    verified,
                    serving != null && serving == version,
                    policy.describe(),
                    failed,
                    method == null ? null : method.wireName(),
                    createdAt);
        }
    }

    private final String adapterName;
    private String tenant;
    private final TreeMap<Long, Entry> versions = new TreeMap<>();
    /** When the worker made each admitted version (from its signed record), for the quality trend over time. */
    private final Map<Long, Instant> made = new TreeMap<>();

    private AdapterControl control;
    private long controlOffset = -1;

    AdapterHistory(String adapterName) {
        this.adapterName = adapterName;
    }

    String adapterName() {
        return adapterName;
    }

    String tenant() {
        return tenant;
    }

    Entry get(long version) {
        return versions.get(version);
    }

    void put(String tenant, Entry entry) {
        if (tenant != null) {
            this.tenant = tenant;
        }
        versions.put(entry.version(), entry);
    }

    /** Records when the worker made {@code version} (the record the node admitted). */
    void made(long version, Instant createdAt) {
        if (createdAt != null) {
            made.put(version, createdAt);
        }
    }

    void control(AdapterControl control, long offset) {
        this.control = control;
        this.controlOffset = offset;
    }

    /** The pinned version, or {@code null}. */
    Long pinned() {
        return control != null && control.action() == AdapterControl.Action.PIN ? control.version() : null;
    }

    /**
     * The version to serve, or {@code null} for the base encoder: the pinned version if pinned (and
     * verified); else the newest verified PROMOTED version, skipping, after a ROLLBACK to v, every
     * version above v published before the rollback (v itself is served even if the gate rejected it).
     * A version that failed while serving is never chosen, pinned or rolled back to.
     */
    Long servingVersion() {
        Long pinned = pinned();
        if (pinned != null) {
            Entry e = versions.get(pinned);
            if (e != null && e.servable()) {
                return pinned;
            }
        }
        boolean rollback = control != null && control.action() == AdapterControl.Action.ROLLBACK;
        Long best = null;
        for (Map.Entry<Long, Entry> me : versions.entrySet()) {
            Entry e = me.getValue();
            if (!e.servable()) {
                continue;
            }
            boolean eligible = e.status() == AdapterStatus.PROMOTED;
            if (rollback) {
                if (e.version() > control.version() && e.offset() < controlOffset) {
                    eligible = false;
                }
                if (e.version() == control.version()) {
                    eligible = true;
                }
            }
            if (eligible) {
                best = e.version();
            }
        }
        return best;
    }

    /**
     * The versions whose files stay on disk: the {@code newest} highest versions that have files,
     * and the serving, pinned and rolled-back-to versions, whatever their age.
     */
    Set<Long> keptOnDisk(int newest) {
        Set<Long> keep = new HashSet<>();
        versions.descendingMap().values().stream()
                .filter(e -> e.dir() != null)
                .limit(newest)
                .forEach(e -> keep.add(e.version()));
        Long serving = servingVersion();
        if (serving != null) {
            keep.add(serving);
        }
        if (control != null && control.version() != null) {
            keep.add(control.version());
        }
        return keep;
    }

    /** Every version with files on disk. */
    List<Entry> withFiles() {
        return versions.values().stream().filter(e -> e.dir() != null).toList();
    }

    /**
     * The unchecked versions that would serve if they passed their checks, newest first: the pinned
     * version if it is unchecked (none while a checked pin holds), else those above the serving
     * version that the rollback in force (if any) leaves eligible. Checking the first and asking
     * again converges on what a node that had checked every version would serve.
     */
    List<Entry> uncheckedThatCouldServe() {
        Long pinned = pinned();
        if (pinned != null) {
            Entry p = versions.get(pinned);
            if (p != null && p.unchecked()) {
                return List.of(p);
            }
            if (p != null && p.servable()) {
                return List.of();
            }
        }
        Long serving = servingVersion();
        boolean rollback = control != null && control.action() == AdapterControl.Action.ROLLBACK;
        return versions.descendingMap().values().stream()
                .filter(Entry::unchecked)
                .filter(e -> serving == null || e.version() > serving)
                .filter(e -> !rollback
                        || e.version() == control.version()
                        || e.version() < control.version()
                        || e.offset() > controlOffset)
                .toList();
    }

    /** The versions that failed while serving and are above the version serving now (recall fell back from them). */
    List<Entry> failedAboveServing() {
        Long serving = servingVersion();
        return versions.values().stream()
                .filter(e -> e.failed() && (serving == null || e.version() > serving))
                .toList();
    }

    AdapterView view(Long serving) {
        List<AdapterVersionView> list = new ArrayList<>();
        versions.values().forEach(e -> list.add(e.view(serving, made.get(e.version()))));
        return new AdapterView(adapterName, AdapterKind.RETRIEVER, tenant, serving, pinned(), control, list);
    }
}
