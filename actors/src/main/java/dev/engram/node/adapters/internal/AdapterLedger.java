package dev.engram.node.adapters.internal;

import dev.engram.node.adapters.AdapterView;
import dev.engram.node.adapters.AdapterVersionView;
import dev.engram.node.adapters.PromotionGate;
import dev.engram.node.adapters.ServingAdapter;
import dev.engram.node.adapters.ServingTable;
import dev.engram.streams.AdapterControl;
import dev.engram.streams.AdapterPublished;
import dev.engram.streams.AdapterStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The registry's bookkeeping, free of actors and DJL: every version of every adapter with the
 * status in force on this node, the operator control in force, and which version should serve.
 * Fed in topic order; a version delivered again (a status change, a re-read after a restart)
 * updates its entry. Not thread-safe: the registry actor owns it.
 *
 * <p>What should serve an adapter's tenant ({@link #target}):
 * <ul>
 *   <li>a {@code PIN v} in force: {@code v}, when this node has a valid {@code v};
 *   <li>a {@code ROLLBACK v} in force: the newest version promoted after the control (by topic
 *       order), else {@code v};
 *   <li>otherwise (none, {@code UNPIN}, or a pin / rollback to a version this node cannot serve):
 *       the newest {@code PROMOTED} valid version, else none (the base model).
 * </ul>
 */
public final class AdapterLedger {

    private static final int MAX_REJECTIONS = 20;
    private static final Pattern KEY = Pattern.compile("([a-z0-9][a-z0-9._-]{0,127})(?:/v(\\d{1,18}))?(?:/.*)?");

    /** One version's state. */
    private static final class Version {
        AdapterPublished event;
        long offset;
        AdapterStatus status;
        String reason;
        String decidedBy;
        Long promotedOffset;
        boolean valid = true;
        boolean decisionPublished;
    }

    /** One adapter's state. */
    private static final class Adapter {
        final String name;
        final TreeMap<Long, Version> versions = new TreeMap<>();
        AdapterControl control;
        long controlOffset;
        Long serving;
        final Deque<AdapterView.Rejection> rejections = new ArrayDeque<>();

        Adapter(String name) {
            this.name = name;
        }

        String tenant() {
            return versions.isEmpty() ? null : versions.lastEntry().getValue().event.tenant();
        }

        void reject(String key, long offset, String reason) {
            rejections.addFirst(new AdapterView.Rejection(key, offset, reason));
            while (rejections.size() > MAX_REJECTIONS) {
                rejections.removeLast();
            }
        }
    }

    private final PromotionGate gate;
    private final Map<String, Adapter> adapters = new TreeMap<>();

    public AdapterLedger(PromotionGate gate) {
        this.gate = gate;
    }

    /**
     * Records a complete, checksum-verified version delivered at {@code offset}.
     *
     * @param invalidReason why its files cannot serve on this node, or null when they can
     */
    public void adapterArrived(AdapterPublished event, long offset, String invalidReason) {
        Adapter adapter = adapters.computeIfAbsent(event.adapterName(), Adapter::new);
        Version known = adapter.versions.get(event.version());
        if (known != null && !known.event.payloadSha256().equals(event.payloadSha256())) {
            adapter.reject(event.key(), offset, "v" + event.version() + " re-published with a different payload (sha256 "
                    + event.payloadSha256().substring(0, 12) + "…, first " + known.event.payloadSha256().substring(0, 12)
                    + "…); a version's files never change, keeping the first");
            return;
        }
        Version v = known == null ? new Version() : known;
        v.event = event;
        v.offset = offset;
        if (invalidReason != null) {
            v.valid = false;
            v.status = AdapterStatus.REJECTED;
            v.reason = invalidReason;
            v.decidedBy = "validation";
        } else if (event.status() == AdapterStatus.CANDIDATE) {
            PromotionGate.Decision d = gate.decide(event.metrics());
            v.status = d.status();
            v.reason = d.reason();
            v.decidedBy = "gate";
        } else {
            v.status = event.status();
            v.reason = event.statusReason();
            v.decidedBy = "topic";
            v.decisionPublished = true;
        }
        if (v.status == AdapterStatus.PROMOTED && v.promotedOffset == null) {
            v.promotedOffset = offset;
        }
        adapter.versions.put(event.version(), v);
    }

    /** Records an operator control read at {@code offset}. */
    public void controlArrived(AdapterControl control, long offset) {
        Adapter adapter = adapters.computeIfAbsent(control.adapterName(), Adapter::new);
        adapter.control = control;
        adapter.controlOffset = offset;
    }

    /** Records a record that could not be used, under its adapter when its key names one. */
    public void recordRejected(String key, long offset, String reason) {
        Matcher m = key == null ? null : KEY.matcher(key);
        if (m == null || !m.matches()) {
            return;
        }
        adapters.computeIfAbsent(m.group(1), Adapter::new).reject(key, offset, reason);
    }

    /** The adapter names known, sorted. */
    public List<String> names() {
        return List.copyOf(adapters.keySet());
    }

    /** The version of {@code name} that should serve now, or null for the base model. */
    public Long target(String name) {
        Adapter a = adapters.get(name);
        if (a == null) {
            return null;
        }
        AdapterControl c = a.control;
        if (c != null && c.action() == AdapterControl.Action.PIN && servable(a, c.version())) {
            return c.version();
        }
        if (c != null && c.action() == AdapterControl.Action.ROLLBACK && servable(a, c.version())) {
            Long newer = newestPromoted(a, a.controlOffset);
            return newer != null ? newer : c.version();
        }
        return newestPromoted(a, -1);
    }

    /** The tenant of {@code name}'s newest version, or null. */
    public String tenant(String name) {
        Adapter a = adapters.get(name);
        return a == null ? null : a.tenant();
    }

    /** The event of one version, if known. */
    public Optional<AdapterPublished> event(String name, long version) {
        Adapter a = adapters.get(name);
        Version v = a == null ? null : a.versions.get(version);
        return v == null ? Optional.empty() : Optional.of(v.event);
    }

    /** What serves {@code name}'s tenant now, as the registry last set it. */
    public Long serving(String name) {
        Adapter a = adapters.get(name);
        return a == null ? null : a.serving;
    }

    public void setServing(String name, Long version) {
        adapters.computeIfAbsent(name, Adapter::new).serving = version;
    }

    /** Marks a version that failed to load here as invalid (it is never chosen again). */
    public void markInvalid(String name, long version, String reason) {
        Adapter a = adapters.get(name);
        Version v = a == null ? null : a.versions.get(version);
        if (v != null) {
            v.valid = false;
            v.status = AdapterStatus.REJECTED;
            v.reason = reason;
            v.decidedBy = "validation";
        }
    }

    /**
     * The gate's decisions not yet on the topic: each valid candidate this node decided, as the
     * record to publish. Each is returned once.
     */
    public List<AdapterPublished> takeUnpublishedDecisions() {
        List<AdapterPublished> out = new ArrayList<>();
        for (Adapter a : adapters.values()) {
            for (Version v : a.versions.values()) {
                if (v.valid && "gate".equals(v.decidedBy) && !v.decisionPublished) {
                    v.decisionPublished = true;
                    out.add(v.event.withStatus(v.status, v.reason));
                }
            }
        }
        return out;
    }

    /** Every adapter's view, sorted by name. */
    public List<AdapterView> views() {
        return adapters.keySet().stream().map(n -> view(n).orElseThrow()).toList();
    }

    /** One adapter's view. */
    public Optional<AdapterView> view(String name) {
        Adapter a = adapters.get(name);
        if (a == null) {
            return Optional.empty();
        }
        List<AdapterVersionView> versions = new ArrayList<>();
        for (Version v : a.versions.descendingMap().values()) {
            AdapterPublished e = v.event;
            versions.add(new AdapterVersionView(e.version(), ServingAdapter.label(name, e.version()), e.parentVersion(),
                    v.status, v.reason, v.decidedBy, a.serving != null && a.serving == e.version(), e.method(),
                    e.baseModelId(), e.jobId(), e.payloadSha256(), e.payloadSize(), e.metrics(), e.createdAt(),
                    v.offset));
        }
        return Optional.of(new AdapterView(name, a.tenant(),
                a.serving == null ? ServingTable.BASE : ServingAdapter.label(name, a.serving), a.serving,
                control(a), versions, List.copyOf(a.rejections)));
    }

    private AdapterView.Control control(Adapter a) {
        AdapterControl c = a.control;
        if (c == null) {
            return null;
        }
        boolean inEffect;
        String note;
        switch (c.action()) {
            case PIN -> {
                inEffect = servable(a, c.version());
                note = inEffect ? "serving v" + c.version() + " whatever is promoted later"
                        : "not in effect: " + unservable(a, c.version()) + "; serving the newest promoted version";
            }
            case ROLLBACK -> {
                boolean ok = servable(a, c.version());
                Long newer = ok ? newestPromoted(a, a.controlOffset) : null;
                inEffect = ok && newer == null;
                note = !ok ? "not in effect: " + unservable(a, c.version()) + "; serving the newest promoted version"
                        : newer != null ? "superseded by v" + newer + ", promoted after the rollback" : "";
            }
            default -> {
                inEffect = true;
                note = "serving the newest promoted version";
            }
        }
        return new AdapterView.Control(c.action().name(), c.version(), c.operator(), c.reason(), c.issuedAt(),
                inEffect, note);
    }

    private static boolean servable(Adapter a, Long version) {
        Version v = version == null ? null : a.versions.get(version);
        return v != null && v.valid;
    }

    private static String unservable(Adapter a, long version) {
        Version v = a.versions.get(version);
        return v == null ? "v" + version + " is unknown on this node" : "v" + version + " cannot serve (" + v.reason + ")";
    }

    /** The newest valid version promoted at an offset after {@code after}, or null. */
    private static Long newestPromoted(Adapter a, long after) {
        for (Version v : a.versions.descendingMap().values()) {
            if (v.valid && v.status == AdapterStatus.PROMOTED && v.promotedOffset != null && v.promotedOffset > after) {
                return v.event.version();
            }
        }
        return null;
    }
}
