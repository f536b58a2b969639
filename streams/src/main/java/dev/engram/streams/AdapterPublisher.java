package dev.engram.streams;

import dev.engram.streams.internal.ChunkJson;
import dev.engram.streams.internal.ChunkKeys;
import dev.engram.streams.internal.ChunkRecord;
import dev.engram.streams.internal.ChunkedAdapterJson;
import dev.engram.streams.internal.ChunkedSender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes adapters, operator controls and training progress onto Kafka, so that any adapter size
 * arrives intact or not at all.
 *
 * <pre>{@code
 * try (AdapterPublisher publisher = AdapterPublisher.transactional(bootstrap, "engram-worker-" + workerId)) {
 *   publisher.publish(TrainingProgress.of(job, Phase.TRAINING, 40, 120, 0.8, 55.0, 14.5, "", clock.instant()));
 *   RecordMetadata at = publisher.publish(AdapterPublished.candidate(job, metrics, files, clock.instant()));
 * }
 * }</pre>
 *
 * <h2>Layout on {@link Topics#ADAPTERS} (compacted)</h2>
 * Compaction keeps the last record per key, so each part of an adapter has its own key, and every
 * key starts with the adapter name (refining DESIGN.md's "key = adapter name"); {@link AdapterKey}
 * writes and reads them:
 * <table>
 *   <caption>Record keys</caption>
 *   <tr><th>key</th><th>value</th></tr>
 *   <tr><td>{@code <adapterName>/v<version>}</td><td>the header: the {@link AdapterPublished} JSON,
 *     files inline (base64) when the record is at most {@link #INLINE_LIMIT_BYTES}; otherwise the
 *     files carry only {@code name} and {@code size} and the header has {@code chunkCount}</td></tr>
 *   <tr><td>{@code <adapterName>/v<version>/chunk-<i>}</td><td>chunk {@code i} of the payload (the
 *     files' bytes concatenated in order): {@code {"payloadSha256", "index", "count", "bytes"}},
 *     at most {@link #CHUNK_BYTES} bytes each</td></tr>
 *   <tr><td>{@code <adapterName>/control}</td><td>the {@link AdapterControl} in force</td></tr>
 * </table>
 * Every publish writes all chunks first and the header last, so a header always follows its
 * chunks. A status change re-publishes the whole version (chunks and header under the same keys),
 * so after compaction the latest header of each version still has its chunks right before it.
 * All keys of one adapter go to one partition ({@code murmur2(adapterName) % partitions}; the
 * topic has 1 today), so their order holds.
 *
 * <p><b>Atomicity.</b> {@link #transactional} publishers write each publish (chunks + header) in
 * one transaction: consumers with {@code read_committed} (Engram's default) see all of it or none.
 * A publisher made with {@link #over} writes without transactions; if it fails mid-way, readers
 * see orphan chunks without a header, which {@link AdapterAssembler} drops within its memory bound.
 *
 * <p>Thread-safe: publishes are serialised.
 */
public final class AdapterPublisher implements AutoCloseable {

    /** Largest header record that carries the files inline: 512 KiB. */
    public static final int INLINE_LIMIT_BYTES = 512 * 1024;

    /** Payload bytes per chunk: 384 KiB (about 512 KiB as base64 JSON, well under every topic's 1 MiB or larger limit). */
    public static final int CHUNK_BYTES = 384 * 1024;

    private final ChunkedSender sender;

    private AdapterPublisher(ChunkedSender sender) {
        this.sender = sender;
    }

    /**
     * A publisher with its own transactional producer ({@link KafkaClientFactory} defaults plus
     * {@code transactional.id}); {@link #close()} closes it. Use one transactional id per publishing
     * process (e.g. per worker): a second publisher with the same id fences the first.
     */
    public static AdapterPublisher transactional(String bootstrapServers, String transactionalId) {
        return transactional(KafkaConnection.of(bootstrapServers), transactionalId);
    }

    /** As {@link #transactional(String, String)}, with the connection's client properties (SASL, SSL). */
    public static AdapterPublisher transactional(KafkaConnection kafka, String transactionalId) {
        if (transactionalId == null || transactionalId.isBlank()) {
            throw new IllegalArgumentException("transactionalId: required, e.g. \"engram-worker-1\"");
        }
        return new AdapterPublisher(new ChunkedSender(
                KafkaClientFactory.producer(kafka, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId)),
                true,
                true));
    }

    /**
     * A publisher over a non-transactional producer the caller owns (and closes); {@link #close()}
     * leaves it open. The producer needs {@code max.request.size} of at least 1 MiB.
     */
    public static AdapterPublisher over(Producer<String, byte[]> producer) {
        return new AdapterPublisher(new ChunkedSender(producer, false, false));
    }

    /**
     * Publishes one adapter version (chunks, then header) and waits until Kafka has it all.
     *
     * @return where the header landed
     * @throws KafkaException saying what failed; with a transactional publisher nothing of it is visible
     */
    public RecordMetadata publish(AdapterPublished adapter) {
        return publish(adapter, Map.of(), null);
    }

    /**
     * Publishes one adapter version and, in the same transaction, commits a consumer group's offsets,
     * e.g. past the training job that produced it: the adapter and the job's completion become
     * visible together, or neither does. Needs a {@link #transactional} publisher.
     *
     * @param consumed the offsets to commit (the next offset to read per partition)
     * @param group the consumer's {@code groupMetadata()}
     */
    public RecordMetadata publish(
            AdapterPublished adapter, Map<TopicPartition, OffsetAndMetadata> consumed, ConsumerGroupMetadata group) {
        List<ProducerRecord<String, byte[]>> records = records(adapter, sender.partitions(Topics.ADAPTERS));
        return sender.send(
                records,
                consumed,
                group,
                adapter.adapterName() + " v" + adapter.version() + " ("
                        + (records.size() - 1) + " chunks + header, " + adapter.payloadSize() + " payload bytes) to "
                        + Topics.ADAPTERS);
    }

    /** Publishes an operator control under {@code "<adapterName>/control"} and waits for the ack. */
    public RecordMetadata publish(AdapterControl control) {
        int partition = ChunkKeys.partitionFor(control.adapterName(), sender.partitions(Topics.ADAPTERS));
        return sender.send(
                List.of(new ProducerRecord<>(
                        Topics.ADAPTERS, partition, control.key(), ContinualCodec.encode(control))),
                null,
                null,
                control.action() + " control for " + control.adapterName());
    }

    /** Publishes a progress report on {@link Topics#TRAINING_PROGRESS}, keyed by job id, and waits for the ack. */
    public RecordMetadata publish(TrainingProgress progress) {
        return sender.send(
                List.of(new ProducerRecord<>(
                        Topics.TRAINING_PROGRESS, progress.jobId(), ContinualCodec.encode(progress))),
                null,
                null,
                "progress of job " + progress.jobId());
    }

    /** Closes the producer if this publisher made it. */
    @Override
    public void close() {
        sender.close();
    }

    /** The records of one adapter version, chunks first: what {@link #publish(AdapterPublished)} sends. */
    static List<ProducerRecord<String, byte[]>> records(AdapterPublished adapter, int partitions) {
        int partition = ChunkKeys.partitionFor(adapter.adapterName(), partitions);
        String key = adapter.key();
        byte[] inline = ContinualCodec.encode(adapter);
        if (inline.length <= INLINE_LIMIT_BYTES) {
            return List.of(new ProducerRecord<>(Topics.ADAPTERS, partition, key, inline));
        }
        List<ChunkRecord> chunks = ChunkRecord.split(adapter.payload(), CHUNK_BYTES);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(chunks.size() + 1);
        for (ChunkRecord chunk : chunks) {
            records.add(new ProducerRecord<>(
                    Topics.ADAPTERS,
                    partition,
                    AdapterKey.chunk(adapter.adapterName(), adapter.version(), chunk.index())
                            .toString(),
                    ChunkJson.write(chunk)));
        }
        records.add(new ProducerRecord<>(
                Topics.ADAPTERS, partition, key, ChunkedAdapterJson.chunkedHeader(adapter, chunks.size())));
        return records;
    }
}
