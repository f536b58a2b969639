package dev.engram.streams;

import dev.engram.streams.internal.ChunkJson;
import dev.engram.streams.internal.ChunkKeys;
import dev.engram.streams.internal.ChunkRecord;
import dev.engram.streams.internal.ChunkedJobHeader;
import dev.engram.streams.internal.ChunkedSender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Writes {@link TrainingJob}s onto {@link Topics#TRAINING_JOBS}, chunked when large, for
 * {@link TrainingJobAssembler} to read back.
 *
 * <pre>{@code
 * try (TrainingJobPublisher jobs = TrainingJobPublisher.transactional(bootstrap, "engram-scheduler-" + nodeId)) {
 *   jobs.publish(job);
 * }
 * }</pre>
 *
 * <p>Layout: a job whose JSON is at most {@link AdapterPublisher#INLINE_LIMIT_BYTES} is one record,
 * key = tenant, value = the job ({@link ContinualCodec#encode(TrainingJob)}). A larger one is cut
 * into chunks of {@link AdapterPublisher#CHUNK_BYTES} keyed {@code <tenant>/<jobId>/chunk-<i>},
 * followed by a header keyed by tenant that names the job, the payload's SHA-256 and size, and
 * {@code chunkCount}. Every record of a tenant goes to the partition Kafka's default partitioner
 * picks for the key {@code tenant}, so a tenant's jobs stay in order and in one consumer's hands.
 * A transactional publisher writes each job in one transaction.
 */
public final class TrainingJobPublisher implements AutoCloseable {

    private final ChunkedSender sender;

    private TrainingJobPublisher(ChunkedSender sender) {
        this.sender = sender;
    }

    /** A publisher with its own transactional producer; {@link #close()} closes it. */
    public static TrainingJobPublisher transactional(String bootstrapServers, String transactionalId) {
        return transactional(KafkaConnection.of(bootstrapServers), transactionalId);
    }

    /** As {@link #transactional(String, String)}, with the connection's client properties (SASL, SSL). */
    public static TrainingJobPublisher transactional(KafkaConnection kafka, String transactionalId) {
        if (transactionalId == null || transactionalId.isBlank()) {
            throw new IllegalArgumentException("transactionalId: required, e.g. \"engram-scheduler-1\"");
        }
        return new TrainingJobPublisher(new ChunkedSender(
                KafkaClientFactory.producer(kafka, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId)),
                true,
                true));
    }

    /** A publisher over a non-transactional producer the caller owns; {@link #close()} leaves it open. */
    public static TrainingJobPublisher over(Producer<String, byte[]> producer) {
        return new TrainingJobPublisher(new ChunkedSender(producer, false, false));
    }

    /**
     * Publishes {@code job} and waits until Kafka has all of it.
     *
     * @return where its last record (the job or its header) landed
     * @throws KafkaException saying what failed
     */
    public RecordMetadata publish(TrainingJob job) {
        List<ProducerRecord<String, byte[]>> records = records(job, sender.partitions(Topics.TRAINING_JOBS));
        return sender.send(
                records,
                null,
                null,
                "training job " + job.jobId() + " (" + records.size() + " records) to " + Topics.TRAINING_JOBS);
    }

    /**
     * Publishes an agent-model round's job, in the same layout as a retriever job's, and waits until
     * Kafka has all of it.
     *
     * @return where its last record (the job or its header) landed
     * @throws KafkaException saying what failed
     */
    public RecordMetadata publish(AgentModelJob job) {
        List<ProducerRecord<String, byte[]>> records = records(
                ContinualCodec.encode(job),
                new ChunkedJobHeader(
                        job.schemaVersion(),
                        job.jobId(),
                        job.tenant(),
                        job.adapterName(),
                        job.attempt(),
                        job.createdAt(),
                        "0".repeat(64),
                        1,
                        1),
                sender.partitions(Topics.TRAINING_JOBS));
        return sender.send(
                records,
                null,
                null,
                "agent-model job " + job.jobId() + " (" + records.size() + " records) to " + Topics.TRAINING_JOBS);
    }

    @Override
    public void close() {
        sender.close();
    }

    static List<ProducerRecord<String, byte[]>> records(TrainingJob job, int partitions) {
        return records(
                ContinualCodec.encode(job),
                new ChunkedJobHeader(
                        job.schemaVersion(),
                        job.jobId(),
                        job.tenant(),
                        job.adapterName(),
                        job.attempt(),
                        job.createdAt(),
                        "0".repeat(64),
                        1,
                        1),
                partitions);
    }

    /** The records of one job's JSON; {@code job} names it (its checksum, size and count are set here). */
    private static List<ProducerRecord<String, byte[]>> records(byte[] json, ChunkedJobHeader job, int partitions) {
        int partition = ChunkKeys.partitionFor(job.tenant(), partitions);
        if (json.length <= AdapterPublisher.INLINE_LIMIT_BYTES) {
            return List.of(new ProducerRecord<>(Topics.TRAINING_JOBS, partition, job.tenant(), json));
        }
        if (json.length > ChunkedJobHeader.MAX_PAYLOAD_BYTES) {
            throw new InvalidEventException(
                    "json",
                    "job " + job.jobId() + " encodes to " + json.length + " bytes, over the limit of "
                            + ChunkedJobHeader.MAX_PAYLOAD_BYTES + "; split it into smaller jobs");
        }
        String group = ChunkKeys.jobGroup(job.tenant(), job.jobId());
        List<ChunkRecord> chunks = ChunkRecord.split(json, AdapterPublisher.CHUNK_BYTES);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(chunks.size() + 1);
        for (ChunkRecord chunk : chunks) {
            records.add(new ProducerRecord<>(
                    Topics.TRAINING_JOBS, partition, ChunkKeys.chunk(group, chunk.index()), ChunkJson.write(chunk)));
        }
        ChunkedJobHeader header = new ChunkedJobHeader(
                job.schemaVersion(),
                job.jobId(),
                job.tenant(),
                job.adapterName(),
                job.attempt(),
                job.createdAt(),
                chunks.get(0).payloadSha256(),
                json.length,
                chunks.size());
        records.add(new ProducerRecord<>(Topics.TRAINING_JOBS, partition, job.tenant(), ChunkJson.write(header)));
        return records;
    }
}
