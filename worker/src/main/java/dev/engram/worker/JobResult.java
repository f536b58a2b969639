package dev.engram.worker;

import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMetrics;
import java.util.List;
import java.util.Objects;

/**
 * What one successful attempt produced: the candidate's PEFT files and its metrics against the
 * parent, or no adapter at all ({@link #policyOnly(AdapterMetrics)}): the version is then the job's
 * ranker policy alone, over the base encoder.
 *
 * @param metrics held-out and retention nDCG@10 of candidate and parent
 * @param files the PEFT adapter files; empty exactly when {@code policyOnly}
 * @param policyOnly whether the version carries no adapter (the trained one did not beat the base
 *     encoder, or the job asked for none)
 */
public record JobResult(AdapterMetrics metrics, List<AdapterFile> files, boolean policyOnly) {

    public JobResult {
        Objects.requireNonNull(metrics, "jobResult.metrics is required");
        files = List.copyOf(Objects.requireNonNull(files, "jobResult.files is required"));
        if (files.isEmpty() != policyOnly) {
            throw new IllegalArgumentException(
                    policyOnly
                            ? "jobResult.files must be empty for a policy-only result, had " + files.size()
                            : "jobResult.files is required and must not be empty");
        }
    }

    /** An adapter's files with its metrics. */
    public JobResult(AdapterMetrics metrics, List<AdapterFile> files) {
        this(metrics, files, false);
    }

    /** No adapter: the version is the job's ranker policy over the base encoder, scored by {@code metrics}. */
    public static JobResult policyOnly(AdapterMetrics metrics) {
        return new JobResult(metrics, List.of(), true);
    }
}
