package dev.engram.worker;

import dev.engram.streams.AdapterFile;
import dev.engram.streams.AdapterMetrics;
import java.util.List;
import java.util.Objects;

/**
 * What one successful attempt produced: the candidate's PEFT files and its metrics against the parent.
 *
 * @param metrics held-out and retention nDCG@10 of candidate and parent
 * @param files the PEFT adapter files
 */
public record JobResult(AdapterMetrics metrics, List<AdapterFile> files) {

    public JobResult {
        Objects.requireNonNull(metrics, "jobResult.metrics is required");
        if (files == null || files.isEmpty()) {
            throw new IllegalArgumentException("jobResult.files is required and must not be empty");
        }
        files = List.copyOf(files);
    }
}
