package dev.engram.streams;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.streams.internal.ChunkBuffer;
import dev.engram.streams.internal.ChunkJson;
import dev.engram.streams.internal.ChunkKey;
import dev.engram.streams.internal.ChunkKeys;
import dev.engram.streams.internal.ChunkRecord;
import dev.engram.streams.internal.ChunkedJobHeader;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Turns the records of {@link Topics#TRAINING_JOBS}, fed in offset order, back into complete
 * {@link TrainingJob}s and {@link AgentModelJob}s (see {@link TrainingJobPublisher} for the layout). A chunked job is delivered
 * when its header arrives with all its chunks before it and their SHA-256 matches; otherwise it is
 * a {@link Delivery.Rejected} with the reason (a worker dead-letters it).
 *
 * <pre>{@code
 * TrainingJobAssembler assembler = new TrainingJobAssembler();
 * for (ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
 *   for (TrainingJobAssembler.Delivery d : assembler.accept(record)) {
 *     if (d instanceof TrainingJobAssembler.Delivery.Job j) {
 *       run(j.job());
 *       TopicPartition tp = new TopicPartition(record.topic(), record.partition());
 *       long next = assembler.committableOffset(tp, record.offset() + 1);
 *       // commit `next` (e.g. in the adapter's transaction, AdapterPublisher.publish(adapter, offsets, group))
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p><b>Committing.</b> Chunks of another job may sit between a job's header and the previous
 * commit point (two schedulers writing at once). Commit at most
 * {@link #committableOffset(TopicPartition, long)} so that a restarted consumer re-reads every chunk
 * still waiting; call {@link #forget} for partitions a rebalance revokes. Not thread-safe.
 */
public final class TrainingJobAssembler {

    /** Default bound on chunk bytes waiting for their header: 256 MiB. */
    public static final long DEFAULT_MAX_PENDING_BYTES = ChunkedJobHeader.MAX_PAYLOAD_BYTES;

    /** What {@link #accept} yields. */
    public sealed interface Delivery {

        /** The offset of the record that completed it. */
        long offset();

        /** A complete training job for a retriever adapter. */
        record Job(TrainingJob job, long offset) implements Delivery {}

        /** A complete agent-model round ({@code "kind": "agent-model"}). */
        record AgentModel(AgentModelJob job, long offset) implements Delivery {}

        /**
         * A record (or the job a header stands for) that could not be used, and why.
         *
         * @param topic where it was read
         * @param partition its partition
         * @param offset its offset (for dropped chunks, the first one's)
         * @param key its key (for dropped chunks, their group {@code "<tenant>/<jobId>"})
         * @param reason what is wrong, for people
         */
        record Rejected(String topic, int partition, long offset, String key, String reason) implements Delivery {}
    }

    private final ChunkBuffer chunks;

    /** An assembler with {@link #DEFAULT_MAX_PENDING_BYTES}. */
    public TrainingJobAssembler() {
        this(DEFAULT_MAX_PENDING_BYTES);
    }

    /** An assembler that holds at most {@code maxPendingBytes} of chunks waiting for their header. */
    public TrainingJobAssembler(long maxPendingBytes) {
        this.chunks = new ChunkBuffer(maxPendingBytes);
    }

    /** Feeds one record; returns what it completes. */
    public List<Delivery> accept(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return List.of();
        }
        ChunkKey key = ChunkKeys.parse(record.key());
        try {
            if (key.kind() == ChunkKey.Kind.CHUNK) {
                ChunkRecord chunk = ChunkJson.read(record.value(), ChunkRecord.class);
                List<Delivery> out = new ArrayList<>();
                for (ChunkBuffer.Dropped d : chunks.add(partitionOf(record), record.offset(), key.group(), chunk)) {
                    out.add(new Delivery.Rejected(
                            record.topic(), d.partition().partition(), d.firstOffset(), d.group(), d.reason()));
                }
                return out;
            }
            if (key.kind() != ChunkKey.Kind.PLAIN) {
                return reject(
                        record,
                        "the key does not fit the training-jobs layout ('<tenant>' or "
                                + "'<tenant>/<jobId>/chunk-<i>')");
            }
            JsonNode tree = ChunkJson.parse(record.value());
            JsonNode jobTree = tree;
            if (tree.has("chunkCount")) {
                ChunkedJobHeader header = ChunkJson.read(tree, ChunkedJobHeader.class);
                ChunkBuffer.Assembly assembly = chunks.take(
                        ChunkKeys.jobGroup(header.tenant(), header.jobId()),
                        header.payloadSha256(),
                        header.chunkCount(),
                        header.payloadSize());
                if (!assembly.ok()) {
                    return reject(
                            record,
                            "training job " + header.jobId() + " (attempt " + header.attempt() + ") not delivered: "
                                    + assembly.failure());
                }
                jobTree = ChunkJson.parse(assembly.payload());
                String inside = jobTree.path("jobId").asText();
                if (!inside.equals(header.jobId())) {
                    return reject(
                            record, "the header names job " + header.jobId() + " but its chunks hold job " + inside);
                }
            }
            Delivery delivery;
            String tenant;
            if (ContinualCodec.isAgentModelJob(jobTree)) {
                AgentModelJob job = ContinualCodec.agentModelJob(jobTree);
                delivery = new Delivery.AgentModel(job, record.offset());
                tenant = job.tenant();
            } else {
                ChunkJson.checkSchemaVersion(jobTree, TrainingJob.SCHEMA_VERSION);
                if (jobTree.has("chunkCount")) {
                    return reject(record, "a chunked job's payload is itself a chunk header");
                }
                TrainingJob job = ChunkJson.read(jobTree, TrainingJob.class);
                delivery = new Delivery.Job(job, record.offset());
                tenant = job.tenant();
            }
            if (!tenant.equals(record.key())) {
                String jobId = jobTree.path("jobId").asText();
                return reject(record, "job " + jobId + " is for tenant " + tenant + " but its key is " + record.key());
            }
            return List.of(delivery);
        } catch (InvalidEventException e) {
            return reject(record, e.getMessage());
        }
    }

    /**
     * The offset a consumer may commit for {@code partition} once it is done with everything before
     * {@code nextOffset}: {@code nextOffset}, or the first offset of a chunk still waiting for its
     * header if that is lower.
     */
    public long committableOffset(TopicPartition partition, long nextOffset) {
        return Math.min(nextOffset, chunks.earliestOffset(partition).orElse(nextOffset));
    }

    /** Drops chunks read from these partitions, e.g. when a rebalance revokes them. */
    public void forget(Collection<TopicPartition> partitions) {
        chunks.forget(partitions);
    }

    /** Bytes of chunks now waiting for their header. */
    public long pendingChunkBytes() {
        return chunks.pendingBytes();
    }

    private static TopicPartition partitionOf(ConsumerRecord<String, byte[]> record) {
        return new TopicPartition(record.topic(), record.partition());
    }

    private static List<Delivery> reject(ConsumerRecord<String, byte[]> record, String reason) {
        return List.of(
                new Delivery.Rejected(record.topic(), record.partition(), record.offset(), record.key(), reason));
    }
}
