package dev.engram.node.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.engram.streams.AdapterKind;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A training job as {@code GET /v1/training/jobs} answers it: what was asked (from
 * {@code engram.training-jobs}) and how it is going (from its worker's reports on
 * {@code engram.training-progress}).
 *
 * <pre>{@code
 * {"jobId": "acme-r3", "tenant": "acme", "adapterName": "acme-retriever", "kind": "retriever",
 *  "targetVersion": 3,
 *  "baseVersion": 2, "attempt": 1, "state": "RUNNING", "phase": "TRAINING", "step": 40,
 *  "totalSteps": 120, "fraction": 0.333, "loss": 0.83, "examplesPerSecond": 55.1, "etaSeconds": 14.5,
 *  "detail": "", "examples": 640, "heldOut": 24, "queuedAt": "...", "updatedAt": "...",
 *  "lossCurve": [{"step": 10, "loss": 1.21}, ...]}
 * }</pre>
 *
 * @param jobId the job
 * @param tenant its tenant
 * @param adapterName the adapter it trains; null while only its worker's reports were seen
 * @param kind what the adapter adapts: {@code "retriever"} or {@code "agent-model"}; null likewise
 * @param targetVersion the version it publishes; null likewise
 * @param baseVersion the version it starts from; null for the base model (or unknown)
 * @param attempt the latest attempt reported (1 before any report)
 * @param state where it is
 * @param phase the latest phase its worker reported; null while queued
 * @param step optimizer steps done
 * @param totalSteps steps it will take (0 while unknown)
 * @param fraction the part done, in [0, 1]
 * @param loss the latest training loss; null before the first step
 * @param examplesPerSecond the latest throughput; null before the first report
 * @param etaSeconds estimated seconds left; null when unknown
 * @param detail the latest report's text (why it failed, the device), {@code ""} when none
 * @param examples training pairs in the job (an agent-model job: its episodes); null when unknown
 * @param heldOut held-out queries the gate scores it on; null when unknown (and for an agent-model
 *     job, whose worker holds out a share of its episodes)
 * @param queuedAt when the scheduler made the job; null when unknown
 * @param updatedAt the latest report's time (or {@code queuedAt})
 * @param lossCurve the reported losses in step order (thinned to at most
 *     {@link TrainingJobTracker#MAX_CURVE_POINTS} points); empty where the answer leaves curves out
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TrainingJobView(
        String jobId,
        String tenant,
        String adapterName,
        AdapterKind kind,
        Long targetVersion,
        Long baseVersion,
        int attempt,
        TrainingJobState state,
        String phase,
        long step,
        long totalSteps,
        double fraction,
        Double loss,
        Double examplesPerSecond,
        Double etaSeconds,
        String detail,
        Integer examples,
        Integer heldOut,
        Instant queuedAt,
        Instant updatedAt,
        List<LossPoint> lossCurve) {

    public TrainingJobView {
        Objects.requireNonNull(jobId, "trainingJobView.jobId is required");
        Objects.requireNonNull(tenant, "trainingJobView.tenant is required");
        Objects.requireNonNull(state, "trainingJobView.state is required");
        detail = detail == null ? "" : detail;
        lossCurve = lossCurve == null ? List.of() : List.copyOf(lossCurve);
    }

    /** This view without its loss curve (for lists). */
    public TrainingJobView withoutCurve() {
        return new TrainingJobView(
                jobId,
                tenant,
                adapterName,
                kind,
                targetVersion,
                baseVersion,
                attempt,
                state,
                phase,
                step,
                totalSteps,
                fraction,
                loss,
                examplesPerSecond,
                etaSeconds,
                detail,
                examples,
                heldOut,
                queuedAt,
                updatedAt,
                List.of());
    }
}
