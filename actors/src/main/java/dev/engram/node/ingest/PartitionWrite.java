package dev.engram.node.ingest;

import dev.engram.memory.Episode;
import dev.engram.streams.DeadLetter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * One partition's records of a batch, across the steps and write attempts of {@link BatchWriter}:
 * the unit that succeeds or fails on its own, so that one partition's poison never holds back
 * another partition's records.
 */
final class PartitionWrite {

    /** A record whose write failed while its partition was isolating; blamed only if the index still commits. */
    record Suspect(DecodedRecord.Valid record, RuntimeException error) {}

    final TopicPartition partition;
    final List<SourceRecord> records;
    /** Write record by record and set aside the ones that fail, instead of failing the partition. */
    final boolean isolate;

    final List<DecodedRecord.Valid> valid = new ArrayList<>();
    final List<DeadLetter> invalid = new ArrayList<>();
    /** Records the store rejected as invalid ({@link IllegalArgumentException}). */
    final List<DeadLetter> rejected = new ArrayList<>();

    final List<Suspect> suspects = new ArrayList<>();
    /** Suspects blamed after the index committed: dead letters naming the store stage. */
    final List<DeadLetter> isolated = new ArrayList<>();
    /** New cases by event id, across attempts (a retried attempt sees its earlier writes as duplicates). */
    final Map<String, Episode> written = new LinkedHashMap<>();

    List<float[]> vectors;
    int newCases;
    int attempts;
    private String failure;
    private Throwable cause;

    PartitionWrite(TopicPartition partition, List<SourceRecord> records, boolean isolate) {
        this.partition = partition;
        this.records = records;
        this.isolate = isolate;
    }

    /** Marks the partition failed at {@code stage} (e.g. {@code "store"}); the first failure wins. */
    void fail(String stage, Throwable why) {
        if (failure == null) {
            failure = stage + ": " + why;
            cause = why;
        }
    }

    boolean failed() {
        return failure != null;
    }

    BatchResult.Failed failure() {
        return new BatchResult.Failed(failure, cause);
    }

    List<DeadLetter> deadLetters() {
        List<DeadLetter> all = new ArrayList<>(invalid);
        all.addAll(rejected);
        all.addAll(isolated);
        return all;
    }

    /** The offset after this partition's last record in the batch. */
    long nextOffset() {
        return records.stream().mapToLong(SourceRecord::offset).max().orElseThrow() + 1;
    }

    int duplicates() {
        return Math.max(0, valid.size() - rejected.size() - isolated.size() - newCases);
    }
}
