package dev.engram.node.ops;

import dev.engram.streams.AdapterKind;
import dev.engram.streams.AgentModelJob;
import dev.engram.streams.DeadLetter;
import dev.engram.streams.TrainingJob;
import dev.engram.streams.TrainingProgress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What {@link TrainingJobTracker} knows of one job; guarded by the tracker's lock. */
final class TrackedJob {

    final String jobId;
    final String tenant;
    TrainingJobState state = TrainingJobState.QUEUED;
    private String adapterName;
    private AdapterKind kind;
    private Long targetVersion;
    private Long baseVersion;
    private Integer examples;
    private Integer heldOut;
    private Instant queuedAt;
    private int attempt = 1;
    private TrainingProgress latest;
    private String failure;
    private Instant failedAt;
    private final List<LossPoint> curve = new ArrayList<>();

    TrackedJob(String jobId, String tenant) {
        this.jobId = jobId;
        this.tenant = tenant;
    }

    void asked(AgentModelJob job) {
        adapterName = job.adapterName();
        kind = AdapterKind.AGENT_MODEL;
        targetVersion = job.targetVersion();
        baseVersion = job.baseAdapterVersion();
        examples = job.episodes().size();
        heldOut = null;
        queuedAt = queuedAt == null ? job.createdAt() : queuedAt;
    }

    void asked(TrainingJob job) {
        adapterName = job.adapterName();
        kind = AdapterKind.RETRIEVER;
        targetVersion = job.targetVersion();
        baseVersion = job.baseAdapterVersion();
        examples = job.examples().size();
        heldOut = job.heldOut().size();
        queuedAt = queuedAt == null ? job.createdAt() : queuedAt;
    }

    void reported(TrainingProgress p) {
        if (p.attempt() < attempt) {
            return; // a late report of an attempt given up
        }
        if (p.attempt() > attempt) {
            attempt = p.attempt();
            curve.clear();
        }
        latest = p;
        state = switch (p.phase()) {
            case DONE -> TrainingJobState.DONE;
            case FAILED -> TrainingJobState.FAILED;
            default -> failure != null ? TrainingJobState.FAILED : TrainingJobState.RUNNING;
        };
        if (p.loss() != null
                && p.step() > 0
                && (curve.isEmpty() || curve.get(curve.size() - 1).step() < p.step())) {
            curve.add(new LossPoint(p.step(), p.loss()));
            if (curve.size() > TrainingJobTracker.MAX_CURVE_POINTS) {
                thin();
            }
        }
    }

    void deadLettered(DeadLetter letter) {
        state = TrainingJobState.FAILED;
        failure = "dead-lettered: " + letter.reason();
        failedAt = letter.failedAt();
    }

    /** Drops every other point but the last, so the curve keeps its shape in half the points. */
    private void thin() {
        List<LossPoint> kept = new ArrayList<>();
        for (int i = 0; i < curve.size(); i++) {
            if (i % 2 == 0 || i == curve.size() - 1) {
                kept.add(curve.get(i));
            }
        }
        curve.clear();
        curve.addAll(kept);
    }

    TrainingJobView view(boolean withCurve) {
        TrainingProgress p = latest;
        Instant updated = p != null ? p.timestamp() : queuedAt;
        if (failedAt != null && (updated == null || failedAt.isAfter(updated))) {
            updated = failedAt;
        }
        String detail = failure != null ? failure : p == null ? "" : p.detail();
        return new TrainingJobView(
                jobId,
                tenant,
                adapterName,
                kind,
                targetVersion,
                baseVersion,
                attempt,
                state,
                p == null ? null : p.phase().name(),
                p == null ? 0 : p.step(),
                p == null ? 0 : p.totalSteps(),
                p == null ? 0 : Math.round(p.fraction() * 1000) / 1000.0,
                p == null ? null : p.loss(),
                p == null ? null : p.examplesPerSecond(),
                p == null ? null : p.etaSeconds(),
                detail,
                examples,
                heldOut,
                queuedAt,
                updated,
                withCurve ? curve : List.of());
    }
}
