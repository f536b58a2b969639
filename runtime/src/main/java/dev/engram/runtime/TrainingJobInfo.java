package dev.engram.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.engram.streams.AdapterKind;
import java.time.Instant;
import java.util.List;

/**
 * A training job as the node follows it ({@code GET /v1/training/jobs}): what was asked and how its
 * worker reports it going.
 *
 * @param jobId the job
 * @param tenant its tenant
 * @param adapterName the adapter it trains (null while only its worker's reports were seen)
 * @param kind what the adapter adapts, retriever or agent model (null likewise)
 * @param targetVersion the version it publishes (null likewise)
 * @param baseVersion the version it starts from; null for the base model or unknown
 * @param attempt the latest attempt reported
 * @param state {@code QUEUED}, {@code RUNNING}, {@code DONE} or {@code FAILED}
 * @param phase the latest phase its worker reported ({@code STARTING}, {@code TRAINING}, ...); null while queued
 * @param step optimizer steps done
 * @param totalSteps steps it will take (0 while unknown)
 * @param fraction the part done, in [0, 1]
 * @param loss the latest training loss, or null
 * @param examplesPerSecond the latest throughput, or null
 * @param etaSeconds estimated seconds left, or null
 * @param detail the latest report's text (why it failed, the device), possibly empty
 * @param examples training pairs in the job (an agent-model job: its episodes), or null when unknown
 * @param heldOut held-out queries the gate scores it on, or null when unknown (and for agent-model jobs)
 * @param queuedAt when the job was made, or null when unknown
 * @param updatedAt the latest report's time
 * @param lossCurve the reported losses in step order; empty in lists ({@link NodeOperations#trainingJob}
 *     has it)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainingJobInfo(
        String jobId,
        String tenant,
        String adapterName,
        AdapterKind kind,
        Long targetVersion,
        Long baseVersion,
        int attempt,
        String state,
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

    public TrainingJobInfo {
        lossCurve = lossCurve == null ? List.of() : List.copyOf(lossCurve);
    }

    /** One point of a loss curve. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record LossPoint(long step, double loss) {}
}
